/*
 * The privileged half of a sync (decision 13). The unprivileged sync writes a
 * candidate snapshot into <state_dir>/sync; root checks every record of it
 * against root's config and the host's own accounts, and only then installs it
 * as <state_dir>/directory, owned by root. Whoever runs the network-facing sync
 * can therefore propose a directory but never hand out uid 0, a local uid, or
 * membership in a local group such as sudo, shadow or disk.
 */
#ifndef IAM_SNAPINSTALL_H
#define IAM_SNAPINSTALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "config/config.h"

#define SNAPINSTALL_PENDING ".directory.new"

struct install_result {
	uint64_t generation;
	bool unchanged; /* fleet mode: the bundle's generation is the installed one */
	uint32_t nusers, ngroups;
	struct iam_err err;
};

/*
 * Check <state_dir>/sync/directory and install it as <state_dir>/directory
 * (root:root 0644, atomically). passwd_path/group_path: NULL for the system
 * files. Refused when: the state dir is not root's, the candidate is not a
 * well-formed snapshot, its generation is not above the installed one, or any
 * record breaks a rule (ids outside [uid_min, uid_max] / [gid_min, gid_max] or
 * equal to a local id, names of local accounts or groups, a group merged into
 * a local group that merge_groups does not name). 0 or -errno; res->err says
 * why.
 * Fleet mode ([directory] source): the candidate is the bundle
 * <state_dir>/sync/directory.bundle; it must verify with signing_public_key
 * (root's file), name source_account if set, be no older than max_snapshot_age
 * and not roll the generation back; then its snapshot goes through the same
 * checks. The bundle already installed is success with res->unchanged.
 */
int snapshot_install(const struct iam_config *cfg, const char *passwd_path, const char *group_path,
		     struct install_result *res);

#endif
