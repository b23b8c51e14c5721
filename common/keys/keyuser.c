#include "keys/keyuser.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"

int keys_find_user(const struct iam_config *cfg, const char *user, struct snap **snap,
		   struct snap_user *u)
{
	char path[PATH_MAX];
	size_t i;
	int r;

	*snap = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, IAM_SNAPSHOT_NAME) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	r = snap_open(path, snap);
	if (r < 0)
		return r;
	r = snap_user_by_name(*snap, user, u);
	/* install checked the ranges; a reader re-checks them against root's config */
	if (r == 0 && (u->uid < cfg->uid_min || u->uid > cfg->uid_max || u->gid != u->uid))
		r = -EBADMSG;
	if (r == 0 && cfg->login_groups.n > 0) {
		r = -EACCES;
		for (i = 0; i < cfg->login_groups.n; i++)
			if (snap_user_in_iam_group(*snap, u, cfg->login_groups.items[i]))
				r = 0;
	}
	/* The snapshot must hold what the cache needs to tie keys to one IAM user. */
	if (r == 0 && (!u->iam_name || !*u->iam_name || !u->iam_id || !*u->iam_id))
		r = -EBADMSG;
	if (r < 0) {
		snap_close(*snap);
		*snap = NULL;
	}
	return r;
}

int keys_check_login(const struct iam_config *cfg, const struct snap *snap,
		     const struct snap_user *u, long *age)
{
	struct snap_info info;
	struct passwd pw, *res = NULL;
	char *buf;
	long n;
	int r;

	snap_get_info(snap, &info);
	*age = (long)(time(NULL) - info.created);
	/* Like pam_iam: an old snapshot may still list revoked users. */
	if (cfg->max_snapshot_age > 0 && (*age > cfg->max_snapshot_age || *age < -300))
		return -ESTALE;
	/* sshd logs into the account getpwnam() gives: it must be the IAM one. */
	n = sysconf(_SC_GETPW_R_SIZE_MAX);
	if (n < 16384)
		n = 16384;
	buf = malloc((size_t)n);
	if (!buf)
		return -ENOMEM;
	r = getpwnam_r(u->name, &pw, buf, (size_t)n, &res);
	if (r != 0)
		r = -r;
	else if (!res)
		r = 0; /* nothing NSS knows to take over; sshd refuses such a name */
	else if (pw.pw_uid != (uid_t)u->uid)
		r = -EPERM;
	free(buf);
	return r;
}

void keys_request_base(struct kc_request *req, const struct iam_config *cfg,
		       const struct snap_user *u)
{
	memset(req, 0, sizeof(*req));
	req->cache_dir = cfg->keys_cache_dir;
	req->user = u->name;
	req->iam_id = u->iam_id;
	req->iam_arn = u->iam_arn;
	req->types = cfg->key_types.n ? &cfg->key_types : NULL;
	req->policy.ttl = cfg->keys_ttl;
	req->policy.negative_ttl = cfg->keys_negative_ttl;
	req->policy.max_stale = cfg->keys_max_stale;
	req->policy.refresh_min_interval = cfg->keys_refresh_min_interval;
	req->deadline_ms = cfg->keys_deadline_ms;
}
