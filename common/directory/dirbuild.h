/*
 * The IAM directory -> this host's directory (dir_model). Pure: no I/O.
 *
 * Order of the rules (each excluded entity is reported once, first reason wins):
 *   1. names (names.h); an IAM group whose name without prefix is listed in
 *      merge_groups and exists locally merges into that local group (its name and
 *      gid), for nsswitch "group: files [SUCCESS=merge] iam";
 *   2. ids (ids.h) over the WHOLE directory, before any host-specific rule, so
 *      every host computes the same numbers;
 *   3. names that collide after mapping, over the whole directory (users with
 *      users; user private groups and IAM groups in the group namespace): the
 *      oldest (CreateDate, then IAM id) not already excluded keeps the name, the
 *      others are excluded and reported, so a Linux name means one IAM identity on
 *      every host and a look-alike created later cannot evict anyone;
 *   4. local accounts and groups (names and ids) of this host;
 *   5. visibility (path_prefix, visible_groups): invisible users are left out
 *      silently; exclusions are only reported for visible users (groups are all
 *      visible).
 * Tags: gecos_tag (no ':', no control characters, <= 256 bytes), shell_tag
 * (absolute path, no ':' or control characters, <= 255 bytes, listed in the host's
 * /etc/shells); a bad tag value is ignored with a warning. uid_tag: see ids.h (a
 * pin outside [uid_min, uid_max] excludes the user).
 */
#ifndef IAM_DIRBUILD_H
#define IAM_DIRBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "directory/dirmodel.h"
#include "iam/iam_api.h"
#include "directory/localdb.h"

/* Messages worth telling the operator that are not exclusions (probed ids, bad tags). */
struct dir_warnings {
	char **msgs;
	size_t n;
};

void dirbuild_warnings_free(struct dir_warnings *w);

/* Build out from d. now = when IAM was read. 0 or -ENOMEM / -EINVAL (config). */
int dirbuild_run(const struct iam_config *cfg, const struct iam_directory *d,
		 const struct local_db *local, int64_t now, struct dir_model *out,
		 struct dir_warnings *warnings);

#endif
