/* Subcommands of iam-login. Each parses its own options from argv (argv[0] is
 * the subcommand name), prints its own --help, and returns the exit status:
 * 0 success, 1 failure, 2 usage error. */
#ifndef IAM_LOGIN_COMMANDS_H
#define IAM_LOGIN_COMMANDS_H

struct iam_config;

/* What main() resolved before dispatch. */
struct cli_ctx {
	const char *config_path; /* --config, $IAM_LOGIN_CONF, or the default */
	const char *progname;	 /* "iam-login" */
};

/* Load the config named by ctx (prints "file:line: message" on error). 0 or -errno. */
int cli_load_config(const struct cli_ctx *ctx, struct iam_config *cfg);

typedef int (*cli_command_fn)(int argc, char **argv, const struct cli_ctx *ctx);

/* One file each (cmd_NAME.c); main.c's table names every one, so each must link. */
int cmd_whoami(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_users(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_groups(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_sync(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_publish(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_status(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_user(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_group(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_keys(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_mfa(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_doctor(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_install(int argc, char **argv, const struct cli_ctx *ctx);
int cmd_revoke_check(int argc, char **argv, const struct cli_ctx *ctx);

#include <stdbool.h>
/* Check and install <state_dir>/sync/directory (root). The exit status. */
int cli_install_candidate(const struct iam_config *cfg, bool quiet, const char *progname);

#endif
