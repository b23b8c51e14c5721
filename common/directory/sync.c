/* One sync run: fetch, map, guard, write, record (see sync.h). */
#include "directory/sync.h"
#include "directory/users_group.h"
#include "aws/aws.h"
#include "directory/dirbuild.h"
#include "directory/fleet_fetch.h"
#include "base/clock.h"
#include "base/file.h"
#include "iam/iam_api.h"
#include "directory/localdb.h"
#include "base/log.h"
#include "directory/names.h"
#include "directory/snapshot_writer.h"
#include "directory/status_record.h"
#include "snapshot/snapshot_reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATUS_MAX_WARNINGS 100

int sync_work_dir(const char *state_dir, char *buf, size_t n)
{
	if ((size_t)snprintf(buf, n, "%s/%s", state_dir, SYNC_WORK_DIR) >= n)
		return -ENAMETOOLONG;
	return 0;
}

const char *sync_stage_name(enum sync_stage stage)
{
	switch (stage) {
	case SYNC_STAGE_FETCH:
		return "fetching the IAM directory";
	case SYNC_STAGE_LOCAL:
		return "reading local accounts";
	case SYNC_STAGE_MAP:
		return "mapping names and ids";
	case SYNC_STAGE_GUARD:
		return "comparing with the previous snapshot";
	case SYNC_STAGE_WRITE:
		return "writing the snapshot";
	}
	return "?";
}

static void progress(const struct sync_options *opt, enum sync_stage stage, const char *what)
{
	if (opt->progress)
		opt->progress(opt->progress_arg, stage, what ? what : sync_stage_name(stage));
}

static double now_mono(void)
{
	return (double)clock_mono_ns() / 1e9;
}

static const char *outcome_name(enum sync_outcome o)
{
	return o == SYNC_OK ? "ok" : o == SYNC_REFUSED ? "refused" : "failed";
}

/* <state_dir>/sync/status.json: what the last run did, for `iam-login status` and monitoring. */
static char *status_text(const struct sync_result *res, const struct dir_warnings *w,
			 time_t started, size_t max_warnings, const char *source)
{
	json_t *o = json_object(), *warn = json_array();
	char stamp[32], *text;
	struct tm tm;

	if (!o || !warn) {
		json_decref(o);
		json_decref(warn);
		return NULL;
	}
	gmtime_r(&started, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (size_t i = 0; w && i < w->n && i < max_warnings; i++)
		json_array_append_new(warn, json_string(w->msgs[i]));
	json_object_set_new(o, "time", json_integer((json_int_t)started));
	json_object_set_new(o, "time_utc", json_string(stamp));
	json_object_set_new(o, "result", json_string(outcome_name(res->outcome)));
	json_object_set_new(o, "generation", json_integer((json_int_t)res->generation));
	json_object_set_new(o, "users", json_integer((json_int_t)res->nusers));
	json_object_set_new(o, "groups", json_integer((json_int_t)res->ngroups));
	json_object_set_new(o, "excluded", json_integer((json_int_t)res->nexcluded));
	json_object_set_new(o, "iam_users", json_integer((json_int_t)res->iam_users));
	json_object_set_new(o, "iam_groups", json_integer((json_int_t)res->iam_groups));
	json_object_set_new(o, "removed", json_integer((json_int_t)res->removed));
	json_object_set_new(o, "calls", json_integer(res->calls));
	json_object_set_new(o, "fallback", json_boolean(res->fallback));
	if (res->fleet) {
		json_object_set_new(o, "source", json_string(source));
		json_object_set_new(o, "unchanged", json_boolean(res->unchanged));
	}
	json_object_set_new(o, "seconds", json_real(res->seconds));
	json_object_set_new(o, "error", res->err.msg[0] ? json_string(res->err.msg) : json_null());
	json_object_set_new(o, "warnings", warn);
	if (w && w->n > max_warnings)
		json_object_set_new(o, "warnings_omitted",
				    json_integer((json_int_t)(w->n - max_warnings)));
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

static int write_status(const char *work_dir, const struct sync_result *res,
			const struct dir_warnings *w, time_t started, const char *source)
{
	/* the record has a fixed size (status_record.h): fewer warnings until it fits */
	for (size_t max = STATUS_MAX_WARNINGS;; max /= 2) {
		char *text = status_text(res, w, started, max, source);
		int r;

		if (!text)
			return -ENOMEM;
		r = status_record_write(work_dir, SYNC_STATUS_NAME, text);
		free(text);
		if (r != -E2BIG || max == 0)
			return r;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * How many users of the previous snapshot the new model drops (by immutable IAM
 * id). *prev_users = 0 when there is no usable previous snapshot.
 */
static int count_removed(const char *path, bool own, const struct dir_model *m, size_t *removed,
			 size_t *prev_users)
{
	struct snap *s = NULL;
	struct snap_info info;
	char **ids;
	size_t n = 0;
	int r;

	*removed = *prev_users = 0;
	r = own ? snap_open_own(path, &s) : snap_open(path, &s);
	if (r < 0)
		return 0; /* none, or damaged: nothing to protect */
	ids = calloc(m->nusers + m->nexcluded + 1, sizeof(*ids));
	if (!ids) {
		snap_close(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->nusers; i++)
		ids[n++] = m->users[i].iam_id;
	/* A user excluded only because a local account took the name or id on this host
	 * (a local jenkins created after the last sync) is not an IAM-side removal: it
	 * must not block the sync that reports it (issue 8 finding 7). */
	for (size_t i = 0; i < m->nexcluded; i++)
		if (m->excluded[i].local_collision && m->excluded[i].iam_id &&
		    strcmp(m->excluded[i].kind, "user") == 0)
			ids[n++] = m->excluded[i].iam_id;
	qsort(ids, n, sizeof(*ids), cmp_str);
	snap_get_info(s, &info);
	for (uint32_t i = 0; i < info.nusers; i++) {
		struct snap_user u;
		const char *key;

		if (snap_user_at(s, i, &u) < 0 || !u.iam_id)
			continue;
		(*prev_users)++;
		key = u.iam_id;
		if (!bsearch(&key, ids, n, sizeof(*ids), cmp_str))
			(*removed)++;
	}
	free(ids);
	snap_close(s);
	return 0;
}

/* The previous snapshot's generation: root's installed one, or the publisher's own copy. */
static uint64_t previous_generation(const char *path, bool own)
{
	struct snap *s = NULL;
	struct snap_info info;

	if (!own)
		return snap_file_generation(path);
	if (snap_open_own(path, &s) < 0)
		return 0;
	snap_get_info(s, &info);
	snap_close(s);
	return info.generation;
}

/*
 * Serialize syncs on one state dir: a second one fails at once instead of
 * racing. The lock lives in the sync's own 0700 directory, mode 0600: a lock
 * file anyone can open is a lock anyone can hold, and whoever holds it stops
 * every sync (and so every revocation).
 */
int sync_lock(const char *work_dir, const char *name, int *fd_out)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", work_dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	/* Only this user (or root) can have put anything in its 0700 directory;
	 * still, a symlink, FIFO or foreign file there is replaced, never used. */
	for (int attempt = 0;; attempt++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
		    st.st_uid == geteuid() && !(st.st_mode & 077))
			break;
		if (fd >= 0)
			close(fd);
		if (attempt > 0 || unlink(path) < 0)
			return -EPERM;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	*fd_out = fd;
	return 0;
}

/* Is name a temp file of file_write_atomic for one of our files (".NAME.XXXXXX")? */
static bool is_our_temp(const char *name)
{
	static const char *const ours[] = {"." IAM_SNAPSHOT_NAME ".", "." SYNC_STATUS_NAME "."};

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		size_t n = strlen(ours[i]);

		if (strncmp(name, ours[i], n) == 0 && strlen(name + n) == 6)
			return true;
	}
	return false;
}

/*
 * A sync killed between mkstemp and rename leaves a temp file behind. With the
 * lock held no other writer is active, so remove such leftovers (regular files only).
 */
static void remove_stale_temps(const char *work_dir)
{
	DIR *d = opendir(work_dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (!is_our_temp(e->d_name))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

static int fetch(const struct iam_config *cfg, long timeout_ms, struct iam_directory *dir,
		 struct sync_result *res)
{
	struct aws_client *c = NULL;
	struct aws_error err;
	char buf[600];
	int r;

	memset(&err, 0, sizeof(err));
	r = aws_client_new(cfg, 0, &c, &err);
	if (r < 0) {
		return err_set(&res->err, r, "AWS credentials: %s",
			       aws_error_str(&err, buf, sizeof(buf)));
	}
	/* one deadline for every page and retry, not only for each call */
	aws_client_set_deadline(c, timeout_ms);
	r = iam_get_account_authorization_details(c, cfg->page_size, dir, &err);
	if (r == -EACCES) {
		/* Denied (least-privilege policy without GAAD): the List* calls give the same
		 * users, groups and memberships, without tags. */
		iam_directory_free(dir);
		memset(dir, 0, sizeof(*dir));
		memset(&err, 0, sizeof(err));
		res->fallback = true;
		r = iam_list_directory(c, cfg->page_size, dir, &err);
	}
	res->calls = aws_client_stats(c)->requests;
	if (r < 0) {
		err_set(&res->err, r, "IAM: %s", aws_error_str(&err, buf, sizeof(buf)));
		iam_directory_free(dir);
		memset(dir, 0, sizeof(*dir));
	}
	aws_client_free(c);
	return r;
}

static int run(const struct iam_config *cfg, const struct sync_options *opt,
	       struct sync_result *res, struct dir_warnings *warnings, const char *snap_path,
	       const char *work_dir)
{
	struct iam_directory dir;
	struct local_db local;
	struct dir_model model;
	int r;

	memset(&dir, 0, sizeof(dir));
	/* A prefix that cannot start a portable name would exclude every group: say so. */
	if (cfg->group_prefix && *cfg->group_prefix && !name_is_portable(cfg->group_prefix)) {
		return err_set(&res->err, -EINVAL,
			       "group_prefix \"%.40s\" must itself be a portable name "
			       "([a-z_][a-z0-9_.-]*, at most 32 characters)",
			       cfg->group_prefix);
	}
	progress(opt, SYNC_STAGE_FETCH, NULL);
	r = fetch(cfg, opt->timeout_ms > 0 ? opt->timeout_ms : cfg->sync_timeout_ms, &dir, res);
	if (r < 0)
		return r;
	res->iam_users = dir.nusers;
	res->iam_groups = dir.ngroups;

	progress(opt, SYNC_STAGE_LOCAL, NULL);
	r = localdb_load(&local, opt->passwd_path, opt->group_path);
	if (r < 0) {
		err_set(&res->err, r, "reading local passwd/group: %s", strerror(-r));
		iam_directory_free(&dir);
		return r;
	}

	{
		char what[128];

		snprintf(what, sizeof(what), "mapping %zu IAM users and %zu groups (%u calls)",
			 dir.nusers, dir.ngroups, res->calls);
		progress(opt, SYNC_STAGE_MAP, what);
	}
	r = dirbuild_run(cfg, &dir, &local, (int64_t)time(NULL), &model, warnings);
	localdb_free(&local);
	iam_directory_free(&dir);
	if (r < 0) {
		return err_set(&res->err, r, "mapping the directory: %s", strerror(-r));
	}
	res->nusers = model.nusers;
	res->nexcluded = model.nexcluded;
	/* IAM's groups: not the private ones, not the users group */
	for (size_t i = 0; i < model.ngroups; i++)
		res->ngroups += !model.groups[i].user_private &&
				!(model.groups[i].iam_id &&
				  strcmp(model.groups[i].iam_id, USERS_GROUP_IAM_ID) == 0);
	res->nwarnings = warnings->n;

	progress(opt, SYNC_STAGE_GUARD, NULL);
	r = count_removed(snap_path, opt->previous_path != NULL, &model, &res->removed,
			  &res->previous_users);
	if (r == 0 && res->previous_users > 0 &&
	    res->removed * 100 > (size_t)cfg->max_removal_percent * res->previous_users &&
	    !opt->force) {
		err_set(&res->err, -ECANCELED,
			"refusing to remove %zu of %zu users (more than max_removal_percent = "
			"%u%%); run with --force if this is intended",
			res->removed, res->previous_users, cfg->max_removal_percent);
		dirmodel_free(&model);
		return -ECANCELED;
	}
	if (r == 0 && !opt->dry_run) {
		progress(opt, SYNC_STAGE_WRITE, NULL);
		/* one above what root installed: the candidate's own file is the sync
		 * user's and counts for nothing */
		uint64_t gen = res->generation + 1;

		if (gen < opt->min_generation)
			gen = opt->min_generation;
		r = snapshot_write_generation(work_dir, &model, gen);
		if (r == 0)
			res->generation = gen;
		if (r < 0)
			err_set(&res->err, r, "writing the candidate in %.400s: %s", work_dir,
				strerror(-r));
	}
	dirmodel_free(&model);
	return r;
}

int sync_run(const struct iam_config *cfg, const struct sync_options *opt, struct sync_result *res)
{
	static const struct sync_options no_options;
	struct dir_warnings warnings = {NULL, 0};
	char snap_path[PATH_MAX], work_dir[PATH_MAX];
	double t0 = now_mono();
	time_t started = time(NULL);
	int lock_fd = -1, r;

	if (!opt)
		opt = &no_options;
	memset(res, 0, sizeof(*res));
	if ((opt->previous_path
		 ? (size_t)snprintf(snap_path, sizeof(snap_path), "%s", opt->previous_path)
		 : (size_t)snprintf(snap_path, sizeof(snap_path), "%s/%s", cfg->state_dir,
				    IAM_SNAPSHOT_NAME)) >= sizeof(snap_path) ||
	    (opt->work_dir ? (size_t)snprintf(work_dir, sizeof(work_dir), "%s", opt->work_dir) >=
				 sizeof(work_dir)
			   : sync_work_dir(cfg->state_dir, work_dir, sizeof(work_dir)) < 0)) {
		err_set(&res->err, -ENAMETOOLONG, "state_dir too long");
		res->outcome = SYNC_FAILED;
		return -ENAMETOOLONG;
	}
	res->generation = previous_generation(snap_path, opt->previous_path != NULL);
	if (!opt->dry_run) {
		/* StateDirectory=iam-login/sync makes it under systemd; a first
		 * manual run by root may not (the state dir itself is root's) */
		if (mkdir(work_dir, 0700) < 0 && errno != EEXIST) {
			r = -errno;
			err_set(&res->err, r,
				"creating %.200s: %s (as root: install -d -o iam-login -g "
				"iam-login -m 0700 %.200s)",
				work_dir, strerror(-r), work_dir);
			res->outcome = SYNC_FAILED;
			return r;
		}
		r = sync_lock(work_dir, SYNC_LOCK_NAME, &lock_fd);
		if (r < 0) {
			err_set(&res->err, r, "%.400s: %s", work_dir,
				r == -EBUSY ? "another sync is running"
				: r == -EPERM
				    ? "lock file not a private file of this user (remove it)"
				    : strerror(-r));
			res->outcome = SYNC_FAILED;
			return r;
		}
		remove_stale_temps(work_dir);
	}
	if (cfg->directory_source && !opt->direct)
		r = fleet_fetch(cfg, work_dir, opt->dry_run, res);
	else
		r = run(cfg, opt, res, &warnings, snap_path, work_dir);
	res->seconds = now_mono() - t0;
	res->outcome = r == 0 ? SYNC_OK : r == -ECANCELED ? SYNC_REFUSED : SYNC_FAILED;
	if (r < 0 && r != -ECANCELED) {
		size_t len = strlen(res->err.msg);

		if (res->generation)
			snprintf(res->err.msg + len, sizeof(res->err.msg) - len,
				 "; previous snapshot kept (generation %llu)",
				 (unsigned long long)res->generation);
		else
			snprintf(res->err.msg + len, sizeof(res->err.msg) - len,
				 "; no snapshot written");
	}
	if (!opt->dry_run) {
		int w = write_status(work_dir, res, &warnings, started,
				     cfg->directory_source ? cfg->directory_source : "iam");
		char clean[sizeof(res->err.msg)];

		/* Who exists on this host changes here: one audit line per applied or failed sync.
		 */
		if (r == 0)
			log_audit(LOG_NOTICE,
				  "iam-login sync: generation %llu: %zu users, %zu groups, %zu "
				  "excluded, %zu removed, %u calls",
				  (unsigned long long)res->generation, res->nusers, res->ngroups,
				  res->nexcluded, res->removed, res->calls);
		else
			log_audit(LOG_WARNING, "iam-login sync %s: %s", outcome_name(res->outcome),
				  log_clean(clean, sizeof(clean), res->err.msg));

		if (w < 0 && r == 0)
			fprintf(stderr, "iam-login: warning: writing %s/%s: %s\n", work_dir,
				SYNC_STATUS_NAME, strerror(-w));
	}
	if (lock_fd >= 0)
		close(lock_fd);
	dirbuild_warnings_free(&warnings);
	return r;
}
