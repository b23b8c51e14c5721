#ifndef IAM_KEYEXEC_H
#define IAM_KEYEXEC_H

#include "keys/keycache.h"

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
int keys_fetch_exec(void *ctx, long budget_ms, struct kc_entry *out, struct iam_err *err);

#endif
