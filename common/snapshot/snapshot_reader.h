/*
 * The directory snapshot: one file, replaced atomically, mapped read-only.
 * The reader (snapshot_reader.c) is libc-only: the NSS module links it alone.
 * Every accessor validates bounds; a damaged or hostile file yields -EBADMSG,
 * never a crash or a hang. Strings returned point into the mapping and stay
 * valid until snap_close().
 */
#ifndef IAM_SNAPSHOT_READER_H
#define IAM_SNAPSHOT_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct snap;

/* Every IAM uid/gid is inside [IAM_ID_FLOOR, IAM_ID_CEILING] (decision 5):
 * above the 16-bit system and user range, below 2^31. */
#define IAM_ID_FLOOR 65536u
#define IAM_ID_CEILING 2147483647u

struct snap_info {
	uint64_t generation;
	int64_t created; /* when sync read IAM (unix time) */
	char account[16];
	uint32_t nusers;
	uint32_t ngroups;
	uint32_t nexcluded;
};

struct snap_user {
	uint32_t idx; /* position, for snap_user_at and enumeration */
	uint32_t uid;
	uint32_t gid;
	uint32_t ngroups; /* supplementary groups */
	const char *name;
	const char *gecos;
	const char *home;
	const char *shell;
	const char *iam_name;
	const char *iam_id;
	const char *iam_arn;
};

struct snap_group {
	uint32_t idx;
	uint32_t gid;
	uint32_t nmembers;
	bool user_private;
	bool merged; /* merge_groups: carries a local gid */
	const char *name;
	const char *iam_name;
	const char *iam_id;
	const char *iam_arn;
};

struct snap_excluded {
	const char *kind;
	const char *iam_name;
	const char *reason;
};

/*
 * Map and validate the header and sections in O(1) (no checksum: see the
 * reader's comment). Only a root-owned file not writable by group/others is
 * opened. 0, -ENOENT, -EBADMSG, -EPERM, -errno.
 */
int snap_open(const char *path, struct snap **out);
/* snap_open plus the whole-file checksum: for the install step and tools. */
int snap_open_verified(const char *path, struct snap **out);
/* snap_open_verified for a file the caller owns (the publisher's own copies). */
int snap_open_own(const char *path, struct snap **out);
void snap_close(struct snap *s);
/* True when the file at path is no longer the one mapped (cheap: stat identity). */
bool snap_is_stale(const struct snap *s, const char *path);

void snap_get_info(const struct snap *s, struct snap_info *out);
/* The generation of the snapshot at path; 0 when there is none usable. */
uint64_t snap_file_generation(const char *path);

/* Each returns 0, -ENOENT (not there) or -EBADMSG (damaged entry). */
int snap_user_by_name(const struct snap *s, const char *name, struct snap_user *out);
int snap_user_by_uid(const struct snap *s, uint32_t uid, struct snap_user *out);
int snap_user_at(const struct snap *s, uint32_t idx, struct snap_user *out);
int snap_group_by_name(const struct snap *s, const char *name, struct snap_group *out);
int snap_group_by_gid(const struct snap *s, uint32_t gid, struct snap_group *out);
int snap_group_at(const struct snap *s, uint32_t idx, struct snap_group *out);
/* i-th supplementary group of a user / i-th member of a group. */
int snap_user_group_at(const struct snap *s, const struct snap_user *u, uint32_t i,
		       struct snap_group *out);
int snap_group_member_at(const struct snap *s, const struct snap_group *g, uint32_t i,
			 struct snap_user *out);
/* Just the name of the i-th member (the NSS group path): NULL when absent or damaged. */
const char *snap_group_member_name(const struct snap *s, const struct snap_group *g, uint32_t i);
/* Names of the first max members into names[] (pointers into the mapping):
 * the member count stored, or -EBADMSG when any of them is damaged. */
int snap_group_member_names(const struct snap *s, const struct snap_group *g, const char **names,
			    uint32_t max);
int snap_excluded_at(const struct snap *s, uint32_t i, struct snap_excluded *out);
/* Is the user in one of the groups, named by IAM name (case-insensitive) or Linux name? */
bool snap_user_in_groups(const struct snap *s, const struct snap_user *u, const char *const *groups,
			 size_t n);
/* Is the user a member of the IAM group with this IAM name (case-insensitive)? */
bool snap_user_in_iam_group(const struct snap *s, const struct snap_user *u, const char *iam_group);

#endif
