/*
 * Glue between the key cache and the rest: who may get keys (snapshot and
 * login groups) and the IAM fetch (ListSSHPublicKeys + GetSSHPublicKey per
 * Active key, Encoding=SSH). Shared by iam-authorized-keys and iam-login keys.
 */
#ifndef IAM_KEYFETCH_H
#define IAM_KEYFETCH_H

#include <stddef.h>

#include "keycache.h"
#include "snapshot.h"

struct iam_config;

/*
 * Find user in the snapshot at state_dir/directory and check the login
 * groups. 0: may log in (*snap stays open, u points into it); -ENOENT: not an
 * IAM user of this host; -EACCES: not in a login group; -EBADMSG / -errno:
 * the snapshot is unusable. Nothing here touches the network.
 */
int keys_find_user(const struct iam_config *cfg, const char *user, struct snap **snap,
		   struct snap_user *u);

struct keyfetch_ctx {
	const struct iam_config *cfg;
	const char *iam_name; /* IAM UserName */
	unsigned calls;	      /* API calls made (in the fetching child) */
};

/* A kc_fetch_fn: fetch the keys of ctx->iam_name from IAM within budget_ms. */
int keys_fetch_iam(void *ctx, long budget_ms, struct kc_entry *out, char *err, size_t errlen);

/* Fill req from the configuration for the snapshot user u. */
void keys_request_init(struct kc_request *req, const struct iam_config *cfg,
		       const struct snap_user *u, struct keyfetch_ctx *fctx);

#endif
