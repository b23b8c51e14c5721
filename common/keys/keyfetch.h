/*
 * Glue between the key cache and the rest: who may get keys (snapshot and
 * login groups) and the IAM fetch (ListSSHPublicKeys + GetSSHPublicKey per
 * Active key, Encoding=SSH). Shared by iam-authorized-keys and iam-login keys.
 */
#ifndef IAM_KEYFETCH_H
#define IAM_KEYFETCH_H

#include <stddef.h>

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

struct keyfetch_ctx {
	const struct iam_config *cfg;
	const char *iam_name; /* IAM UserName */
	unsigned calls;	      /* API calls made (in the fetching child) */
};

/* A kc_fetch_fn: fetch the keys of ctx->iam_name from IAM within budget_ms. */
int keys_fetch_iam(void *ctx, long budget_ms, struct kc_entry *out, char *err, size_t errlen);

/* Fill req from the configuration for the snapshot user u, without a fetch function. */
void keys_request_base(struct kc_request *req, const struct iam_config *cfg,
		       const struct snap_user *u);

/*
 * The fetch for iam-authorized-keys: run the IAM calls in a separate program,
 * `HELPER --config CONFIG keys --fetch-entry --budget-ms N USER` (iam-login),
 * and decode the entry it prints. Keeps libcurl and the credential chain out of
 * the command sshd runs on every login, so a warm answer stays small and fast.
 */
struct keyexec_ctx {
	const char *helper;	 /* absolute path of iam-login */
	const char *config_path; /* the config this process loaded */
	const char *user;	 /* Linux user name */
	const struct str_list *types;
};
int keys_fetch_exec(void *ctx, long budget_ms, struct kc_entry *out, char *err, size_t errlen);

/* Fill req from the configuration for the snapshot user u, fetching in-process. */
void keys_request_init(struct kc_request *req, const struct iam_config *cfg,
		       const struct snap_user *u, struct keyfetch_ctx *fctx);

#endif
