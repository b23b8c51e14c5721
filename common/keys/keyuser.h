/*
 * Who may get keys: the snapshot user and the login groups, and the request
 * every key lookup starts from. Nothing here touches the network.
 */
#ifndef IAM_KEYUSER_H
#define IAM_KEYUSER_H

#include "keys/keycache.h"
#include "snapshot/snapshot_reader.h"

struct iam_config;

/*
 * Find user in the snapshot at state_dir/directory and check the login
 * groups. 0: may log in (*snap stays open, u points into it); -ENOENT: not an
 * IAM user of this host; -EACCES: not in a login group; -EBADMSG / -errno:
 * the snapshot is unusable. Nothing here touches the network.
 */
int keys_find_user(const struct iam_config *cfg, const char *user, struct snap **snap,
		   struct snap_user *u);

/*
 * May sshd get this IAM user's keys now? 0: yes; -ESTALE: the snapshot is
 * older than [pam] max_snapshot_age (or from the future), as pam_iam refuses;
 * -EPERM: the account NSS resolves for the name is not the snapshot's (a local
 * account of the same name, created after the last sync: issue 8 finding 7).
 * A name NSS does not resolve at all has no account to take over: 0.
 */
int keys_check_login(const struct iam_config *cfg, const struct snap *snap,
		     const struct snap_user *u, long *age);

/* Fill req from the configuration for the snapshot user u, without a fetch function. */
void keys_request_base(struct kc_request *req, const struct iam_config *cfg,
		       const struct snap_user *u);

#endif
