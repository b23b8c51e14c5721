/*
 * One sync: read the whole IAM directory, map it (dirbuild.h), guard against
 * mass removal, write the snapshot atomically, record the outcome in
 * <state_dir>/status.json. Any failed or throttled page aborts and the previous
 * snapshot stays in place (decision 4).
 */
#ifndef IAM_SYNC_H
#define IAM_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "config/config.h"

#define SYNC_STATUS_NAME "status.json"
#define SYNC_LOCK_NAME ".sync.lock"
/*
 * The unprivileged sync writes only below <state_dir>/sync (its own 0700
 * directory): the candidate snapshot, status.json and the lock. The snapshot
 * readers use, <state_dir>/directory, is installed by root (snapinstall.h)
 * after checking every record (decision 13).
 */
#define SYNC_WORK_DIR "sync"

enum sync_stage {
	SYNC_STAGE_FETCH, /* talking to IAM */
	SYNC_STAGE_LOCAL, /* reading /etc/passwd, /etc/group */
	SYNC_STAGE_MAP,	  /* names, ids, exclusions */
	SYNC_STAGE_GUARD, /* comparing with the previous snapshot */
	SYNC_STAGE_WRITE, /* writing the snapshot */
};

struct sync_options {
	bool force;		 /* apply even past max_removal_percent */
	bool dry_run;		 /* do everything but write (snapshot and status) */
	const char *passwd_path; /* NULL: /etc/passwd */
	const char *group_path;	 /* NULL: /etc/group */
	/* The publisher (publish.h) syncs into its own directory against the bundle it
	 * published last: NULL means <state_dir>/sync and <state_dir>/directory. */
	const char *work_dir;
	const char *previous_path;
	uint64_t min_generation; /* the candidate's generation is at least this */
	bool direct;		 /* read IAM even when [directory] source is set */
	long timeout_ms;	 /* the whole run; 0: [directory] sync_timeout */
	/* progress (may be NULL): called at the start of each stage */
	void (*progress)(void *arg, enum sync_stage stage, const char *what);
	void *progress_arg;
};

enum sync_outcome { SYNC_OK, SYNC_FAILED, SYNC_REFUSED };

struct sync_result {
	enum sync_outcome outcome;
	uint64_t generation;	/* written (or the previous one when not written) */
	size_t nusers, ngroups; /* ngroups: IAM groups, without user private groups */
	size_t nexcluded;
	size_t iam_users, iam_groups; /* in the IAM directory, before filters */
	size_t removed, previous_users;
	size_t nwarnings;
	unsigned calls; /* HTTP requests, retries included */
	bool fallback;	/* GetAccountAuthorizationDetails denied: List* used */
	bool fleet;	/* fleet mode: fetched the bundle of [directory] source */
	bool unchanged; /* fleet mode: 304, or the bundle already installed */
	double seconds;
	struct iam_err err;
};

/* Run one sync. 0 on success; -ECANCELED when the removal guard refused; other
 * negative errno on failure. res->err explains anything but success. */
int sync_run(const struct iam_config *cfg, const struct sync_options *opt, struct sync_result *res);

const char *sync_stage_name(enum sync_stage stage);

/*
 * Hold work_dir/name (a private 0600 file of this user, made if missing) with an
 * exclusive flock; *fd keeps it until closed. 0, -EBUSY when held elsewhere,
 * -EPERM when the file is not ours, -errno.
 */
int sync_lock(const char *work_dir, const char *name, int *fd);

/* <state_dir>/sync into buf. 0 or -ENAMETOOLONG. */
int sync_work_dir(const char *state_dir, char *buf, size_t n);

#endif
