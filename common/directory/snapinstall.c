#include "directory/snapinstall.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "directory/localdb.h"
#include "snapshot/snapshot_reader.h"
#include "snapshot/snapshot_format.h"
#include "directory/sync.h"
#include "directory/bundle.h"
#include "directory/fleet_fetch.h"

__attribute__((format(printf, 2, 3))) static int refuse(struct install_result *res, const char *fmt,
							...)
{
	va_list ap;

	res->err.code = -EPERM;
	va_start(ap, fmt);
	vsnprintf(res->err.msg, sizeof(res->err.msg), fmt, ap);
	va_end(ap);
	return -EPERM;
}

static bool in_range(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v >= lo && v <= hi && v >= IAM_ID_FLOOR && v <= IAM_ID_CEILING;
}

static int check_user(const struct iam_config *cfg, const struct local_db *local,
		      const struct snap_user *u, struct install_result *res)
{
	const struct local_ent *le;

	if (!in_range(u->uid, cfg->uid_min, cfg->uid_max))
		return refuse(res, "user %.64s: uid %u outside uid_min..uid_max", u->name, u->uid);
	/* every IAM user's primary group is its private group, gid = uid */
	if (u->gid != u->uid)
		return refuse(res, "user %.64s: primary gid %u is not its private group", u->name,
			      u->gid);
	if ((le = localdb_user_by_name(local, u->name)) != NULL)
		return refuse(res, "user %.64s: name of a local account", u->name);
	if ((le = localdb_user_by_id(local, u->uid)) != NULL)
		return refuse(res, "user %.64s: uid %u of local account %.64s", u->name, u->uid,
			      le->name);
	return 0;
}

static int check_group(const struct iam_config *cfg, const struct local_db *local,
		       const struct snap_group *g, struct install_result *res)
{
	const struct local_ent *le;

	if (g->merged) {
		/* the one record that carries a local gid: root's config must ask for it */
		le = localdb_group_by_name(local, g->name);
		if (!str_list_contains(&cfg->merge_groups, g->name) || !le || le->id != g->gid ||
		    g->gid == 0)
			return refuse(res,
				      "group %.64s: merged into a local group that merge_groups "
				      "does not name (or with another gid)",
				      g->name);
		return 0;
	}
	if (g->user_private) {
		if (!in_range(g->gid, cfg->uid_min, cfg->uid_max))
			return refuse(res, "group %.64s: private gid %u outside uid_min..uid_max",
				      g->name, g->gid);
	} else if (!in_range(g->gid, cfg->gid_min, cfg->gid_max)) {
		return refuse(res, "group %.64s: gid %u outside gid_min..gid_max", g->name, g->gid);
	}
	if (localdb_group_by_name(local, g->name))
		return refuse(res, "group %.64s: name of a local group", g->name);
	if ((le = localdb_group_by_id(local, g->gid)) != NULL)
		return refuse(res, "group %.64s: gid %u of local group %.64s", g->name, g->gid,
			      le->name);
	return 0;
}

/* Every record, every membership: a damaged entry refuses the whole file. */
static int check_snapshot(const struct iam_config *cfg, const struct local_db *local,
			  const struct snap *s, struct install_result *res)
{
	struct snap_info info;
	int r;

	snap_get_info(s, &info);
	for (uint32_t i = 0; i < info.nusers; i++) {
		struct snap_user u;

		struct snap_user again;

		if (snap_user_at(s, i, &u) < 0)
			return refuse(res, "user record %u is damaged", i);
		/* what enumeration lists, getpwnam and getpwuid must find: the same record */
		if (snap_user_by_name(s, u.name, &again) < 0 || again.idx != u.idx ||
		    snap_user_by_uid(s, u.uid, &again) < 0 || again.idx != u.idx)
			return refuse(res, "user %.64s: the lookup index does not lead to it",
				      u.name);
		r = check_user(cfg, local, &u, res);
		if (r < 0)
			return r;
		for (uint32_t k = 0; k < u.ngroups; k++) {
			struct snap_group g;

			if (snap_user_group_at(s, &u, k, &g) < 0)
				return refuse(res, "user %.64s: group %u is damaged", u.name, k);
		}
	}
	for (uint32_t i = 0; i < info.ngroups; i++) {
		struct snap_group g;

		struct snap_group again;

		if (snap_group_at(s, i, &g) < 0)
			return refuse(res, "group record %u is damaged", i);
		if (snap_group_by_name(s, g.name, &again) < 0 || again.idx != g.idx ||
		    snap_group_by_gid(s, g.gid, &again) < 0 || again.idx != g.idx)
			return refuse(res, "group %.64s: the lookup index does not lead to it",
				      g.name);
		r = check_group(cfg, local, &g, res);
		if (r < 0)
			return r;
		for (uint32_t k = 0; k < g.nmembers; k++)
			if (!snap_group_member_name(s, &g, k))
				return refuse(res, "group %.64s: member %u is damaged", g.name, k);
	}
	res->generation = info.generation;
	res->nusers = info.nusers;
	res->ngroups = info.ngroups;
	return 0;
}

/*
 * An install killed while writing its private copy leaves
 * ".<pending>.XXXXXX" in the state dir; nothing else would ever remove it.
 * Root's own regular files of that name older than a minute are gone (a
 * younger one may be a concurrent install's).
 */
static void remove_stale_copies(const char *dir)
{
	static const char prefix[] = "." SNAPINSTALL_PENDING ".";
	DIR *d = opendir(dir);
	struct dirent *e;
	time_t now = time(NULL);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (strncmp(e->d_name, prefix, sizeof(prefix) - 1) != 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_uid == 0 && st.st_mtime + 60 < now)
			(void)unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

/* The state dir holds root's file: nobody else may rename files in it. */
static int check_state_dir(const char *dir, struct install_result *res)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		return err_set(&res->err, -errno, "%.200s: %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return refuse(res,
			      "%.200s must be a directory owned by root and writable only by "
			      "root (install -d -o root -g root -m 0755 %.200s)",
			      dir, dir);
	return 0;
}

/*
 * Fleet mode: the signed bundle the unprivileged fetch staged, checked with root's
 * key and policy. On success *payload points into *data (the caller frees *data).
 * 1 when this bundle is the installed one.
 */
static int open_bundle(const struct iam_config *cfg, const char *cand, uint64_t installed,
		       char **data, size_t *len, const void **payload, size_t *payload_len,
		       struct install_result *res)
{
	struct bundle_pubkey *pk = NULL;
	struct bundle_info info;
	int r;

	r = bundle_pubkey_load(cfg->signing_public_key, &pk, &res->err);
	if (r < 0)
		return r;
	r = file_read_bounded(cand, SNAPFMT_MAX_FILE + 64u * 1024u, data, len);
	if (r < 0) {
		bundle_pubkey_free(pk);
		return err_set(&res->err, r, "reading %.300s: %s", cand, strerror(-r));
	}
	r = bundle_verify(*data, *len, pk, &info, payload, payload_len, &res->err);
	bundle_pubkey_free(pk);
	if (r == 0)
		r = bundle_check_policy(&info, cfg->source_account, installed, (int64_t)time(NULL),
					cfg->max_snapshot_age, &res->err);
	if (r == BUNDLE_SAME_GENERATION) {
		res->unchanged = true;
		res->generation = info.generation;
		return 1;
	}
	if (r < 0) {
		free(*data);
		*data = NULL;
		if (!res->err.code)
			res->err.code = r;
	}
	return r;
}

int snapshot_install(const struct iam_config *cfg, const char *passwd_path, const char *group_path,
		     struct install_result *res)
{
	char work[PATH_MAX], cand[PATH_MAX], pending[PATH_MAX], dst[PATH_MAX];
	struct local_db local;
	struct snap *s = NULL;
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	uint64_t prev;
	int r;

	memset(res, 0, sizeof(*res));
	if (geteuid() != 0)
		return refuse(res, "only root installs the snapshot");
	if (sync_work_dir(cfg->state_dir, work, sizeof(work)) < 0 ||
	    (size_t)snprintf(cand, sizeof(cand), "%s/%s", work,
			     cfg->directory_source ? FLEET_BUNDLE_NAME : IAM_SNAPSHOT_NAME) >=
		sizeof(cand) ||
	    (size_t)snprintf(pending, sizeof(pending), "%s/%s", cfg->state_dir,
			     SNAPINSTALL_PENDING) >= sizeof(pending) ||
	    (size_t)snprintf(dst, sizeof(dst), "%s/%s", cfg->state_dir, IAM_SNAPSHOT_NAME) >=
		sizeof(dst))
		return refuse(res, "state_dir too long");
	r = check_state_dir(cfg->state_dir, res);
	if (r < 0)
		return r;
	remove_stale_copies(cfg->state_dir);
	/* The candidate's directory belongs to the sync user: no symlink, no FIFO,
	 * no device; what we read is copied before anything looks at it. */
	if (lstat(cand, &st) < 0) {
		r = -errno;
		return err_set(&res->err, r, "no candidate %.300s: %s", cand, strerror(-r));
	}
	if (!S_ISREG(st.st_mode))
		return refuse(res, "candidate %.300s is not a regular file", cand);
	if (cfg->directory_source) {
		const void *payload = NULL;
		size_t payload_len = 0;

		r = open_bundle(cfg, cand, snap_file_generation(dst), &data, &len, &payload,
				&payload_len, res);
		if (r != 0) {
			free(data);
			return r < 0 ? r : 0;
		}
		/* root's private copy of the verified payload, checked below like any candidate */
		r = file_write_atomic(cfg->state_dir, SNAPINSTALL_PENDING, payload, payload_len,
				      0600, 0, 0);
	} else {
		r = file_read_bounded(cand, SNAPFMT_MAX_FILE, &data, &len);
		if (r < 0) {
			return err_set(&res->err, r, "reading %.300s: %s", cand, strerror(-r));
		}
		/* root's private copy: checked and installed, so the sync user cannot
		 * change the bytes between the check and the rename */
		r = file_write_atomic(cfg->state_dir, SNAPINSTALL_PENDING, data, len, 0600, 0, 0);
	}
	free(data);
	if (r < 0) {
		return err_set(&res->err, r, "writing %.300s: %s", pending, strerror(-r));
	}
	r = snap_open_verified(pending, &s);
	if (r < 0) {
		err_set(&res->err, r, "candidate is not a valid snapshot: %s", strerror(-r));
		goto out;
	}
	r = localdb_load(&local, passwd_path, group_path);
	if (r < 0) {
		err_set(&res->err, r, "reading local passwd/group: %s", strerror(-r));
		goto out;
	}
	r = check_snapshot(cfg, &local, s, res);
	localdb_free(&local);
	if (r < 0)
		goto out;
	prev = snap_file_generation(dst);
	if (res->generation <= prev) {
		r = refuse(res, "candidate generation %llu is not above the installed %llu",
			   (unsigned long long)res->generation, (unsigned long long)prev);
		goto out;
	}
	if (chmod(pending, 0644) < 0 || rename(pending, dst) < 0) {
		r = -errno;
		err_set(&res->err, r, "installing %.300s: %s", dst, strerror(-r));
		goto out;
	}
	{
		int dfd = open(cfg->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
out:
	snap_close(s);
	if (r < 0)
		unlink(pending);
	return r;
}
