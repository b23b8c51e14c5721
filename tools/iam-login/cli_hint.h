/* What to do next, printed under an error message the operator can act on. */
#ifndef IAM_LOGIN_CLI_HINT_H
#define IAM_LOGIN_CLI_HINT_H

#include <stddef.h>

struct aws_error;
struct iam_config;

/*
 * When root finds no AWS credentials, the host's usually belong to the sync
 * user (README step 7): into buf, the command to run as that user, e.g.
 * "... run it as that user: sudo -u iam-login iam-login whoami". Empty
 * string when there is nothing to suggest. Returns buf.
 */
char *cli_creds_hint(const struct iam_config *cfg, const struct aws_error *err, const char *cmd,
		     char *buf, size_t size);

#endif
