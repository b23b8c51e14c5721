/*
 * The IAM fetch of a user's keys (ListSSHPublicKeys + GetSSHPublicKey per
 * Active key, Encoding=SSH), in-process: only iam-login links it (it needs
 * the IAM client); the key command reaches it through keys/keyexec.h.
 */
#ifndef IAM_KEYFETCH_H
#define IAM_KEYFETCH_H

#include <stddef.h>

#include "keys/keycache.h"
#include "keys/keyuser.h"

struct iam_config;

struct keyfetch_ctx {
	const struct iam_config *cfg;
	const char *iam_name; /* IAM UserName */
	unsigned calls;	      /* API calls made (in the fetching child) */
};

/* A kc_fetch_fn: fetch the keys of ctx->iam_name from IAM within budget_ms. */
int keys_fetch_iam(void *ctx, long budget_ms, struct kc_entry *out, struct iam_err *err);

/* Fill req from the configuration for the snapshot user u, fetching in-process. */
void keys_request_init(struct kc_request *req, const struct iam_config *cfg,
		       const struct snap_user *u, struct keyfetch_ctx *fctx);

#endif
