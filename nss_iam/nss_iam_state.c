/*
 * The process-wide snapshot mapping. One mutex guards it; entries are copied
 * into the caller's buffer under that mutex, so a replaced snapshot is only
 * unmapped when nobody reads it. The file identity is checked at most once a
 * second (CLOCK_MONOTONIC_COARSE costs no syscall), then the new file is mapped.
 * Fork: the atfork handlers take the mutex around fork() so a child never
 * inherits it locked; the mapping itself is valid in the child.
 */
#include "nss_iam.h"

#include "base/clock.h"
#include "base/paths.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define SNAP_PATH IAM_DEFAULT_STATE_DIR "/" IAM_SNAPSHOT_NAME
#define CHECK_INTERVAL_MS 1000

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nss_iam_map *state_map; /* holds one reference */
static bool state_checked;
static int64_t state_last_check;

static void refresh_locked(void)
{
	int64_t now = clock_mono_coarse_ms();
	struct snap *fresh;
	int r;

	if (state_checked && now - state_last_check < CHECK_INTERVAL_MS &&
	    now - state_last_check >= 0)
		return;
	state_checked = true;
	state_last_check = now;
	if (state_map && !snap_is_stale(state_map->snap, SNAP_PATH))
		return;
	/* Replaced, removed or never opened: the module answers from what is on
	 * disk now; a missing, damaged or unsafe file means UNAVAIL (retried at the
	 * next interval). A failure of this process (out of fds or memory) keeps
	 * the mapping it has. */
	r = snap_open(SNAP_PATH, &fresh);
	if (r < 0) {
		fresh = NULL;
		if (state_map && r != -ENOENT && r != -ENOTDIR && r != -EBADMSG && r != -EPERM)
			return;
	}
	nss_iam_unpin(state_map);
	state_map = NULL;
	if (fresh) {
		state_map = malloc(sizeof(*state_map));
		if (!state_map) {
			snap_close(fresh);
			return;
		}
		state_map->snap = fresh;
		state_map->refs = 1;
	}
}

struct nss_iam_map *nss_iam_pin(void)
{
	refresh_locked();
	if (state_map)
		state_map->refs++;
	return state_map;
}

void nss_iam_unpin(struct nss_iam_map *m)
{
	if (m && --m->refs == 0) {
		snap_close(m->snap);
		free(m);
	}
}

void nss_iam_lock(void)
{
	pthread_mutex_lock(&state_lock);
}

const struct snap *nss_iam_acquire(void)
{
	pthread_mutex_lock(&state_lock);
	refresh_locked();
	return state_map ? state_map->snap : NULL;
}

void nss_iam_release(void)
{
	pthread_mutex_unlock(&state_lock);
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&state_lock);
}

static void atfork_unlock(void)
{
	pthread_mutex_unlock(&state_lock);
}

__attribute__((constructor)) static void nss_iam_init(void)
{
	pthread_atfork(atfork_prepare, atfork_unlock, atfork_unlock);
}

enum nss_status nss_iam_status(int r, int *errnop)
{
	switch (r) {
	case 0:
		return NSS_STATUS_SUCCESS;
	case -ERANGE:
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	case -ENOENT:
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	default: /* a damaged entry: let the next source answer */
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	}
}

enum nss_status nss_iam_unavailable(int *errnop)
{
	nss_iam_release();
	*errnop = ENOENT;
	return NSS_STATUS_UNAVAIL;
}
