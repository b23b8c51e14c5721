/* iam-login: the administrator's command. Dispatches to cmd_NAME.c. */
#include "commands.h"
#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef IAM_LOGIN_VERSION
#define IAM_LOGIN_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	cli_command_fn fn;
	const char *summary;
};

/* Strong references: a subcommand missing from a build is a link error, not a
 * command that quietly goes away. */
static const struct command cmds[] = {
    {"whoami", cmd_whoami, "show the AWS identity this host uses"},
    {"users", cmd_users, "list IAM users straight from IAM"},
    {"groups", cmd_groups, "list IAM groups straight from IAM"},
    {"sync", cmd_sync, "fetch the IAM directory and replace the local snapshot"},
    {"publish", cmd_publish, "fleet publisher: upload the signed directory bundle to S3"},
    {"install", cmd_install, "root: check the sync's candidate and install it"},
    {"status", cmd_status, "snapshot age, counts, last sync, excluded names"},
    {"user", cmd_user, "what this host believes about one user"},
    {"group", cmd_group, "what this host believes about one group"},
    {"keys", cmd_keys, "a user's SSH keys from IAM and the key cache"},
    {"mfa", cmd_mfa, "enroll, inspect or remove a user's TOTP secret"},
    {"doctor", cmd_doctor, "check this host's setup end to end"},
    {"revoke-check", cmd_revoke_check, "what this host would do for a user now, and why"},
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *out)
{
	fprintf(out, "Usage: iam-login [--config FILE] COMMAND [OPTIONS] [ARGS]\n"
		     "\n"
		     "Log into Linux hosts with AWS IAM identities: IAM users and groups become\n"
		     "Linux users and groups (NSS), SSH keys come from IAM, TOTP MFA and sudo by\n"
		     "IAM group (PAM). This command manages the host side.\n"
		     "\n"
		     "Commands:\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(out, "  %-13s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(out, "\n"
		     "Options:\n"
		     "  --config FILE  configuration file (default: $IAM_LOGIN_CONF, else\n"
		     "                 " IAM_DEFAULT_CONFIG ")\n"
		     "  -h, --help     this text; 'iam-login COMMAND --help' describes a command\n"
		     "  -V, --version  print the version\n"
		     "\n"
		     "Exit status: 0 success, 1 failure, 2 usage error.\n"
		     "See iam-login(8), pam_iam(8) and the README for the production setup.\n");
}

int cli_load_config(const struct cli_ctx *ctx, struct iam_config *cfg)
{
	struct config_error err;
	int r = config_defaults(cfg);

	if (r < 0) {
		fprintf(stderr, "%s: out of memory\n", ctx->progname);
		return r;
	}
	r = config_load(ctx->config_path, cfg, &err);
	if (r < 0) {
		if (err.line > 0)
			fprintf(stderr, "%s: %s:%d: %s\n", ctx->progname, err.file, err.line,
				err.err.msg);
		else
			fprintf(stderr, "%s: %s: %s\n", ctx->progname, err.file, err.err.msg);
		config_free(cfg);
	}
	return r;
}

/* Take "--config FILE" / "--config=FILE" out of argv wherever it stands. */
static int extract_config(int *argc, char **argv, const char **path)
{
	int out = 0;

	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= *argc)
				return -1;
			*path = argv[++i];
			continue;
		}
		if (strncmp(argv[i], "--config=", 9) == 0) {
			*path = argv[i] + 9;
			continue;
		}
		argv[out++] = argv[i];
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = {.progname = "iam-login"};
	const char *explicit_path = NULL;

	if (extract_config(&argc, argv, &explicit_path) < 0) {
		fprintf(stderr, "iam-login: --config needs a file name\n");
		return 2;
	}
	ctx.config_path = config_path(explicit_path);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("iam-login %s\n", IAM_LOGIN_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1, &ctx);
	fprintf(stderr, "iam-login: unknown command '%s' (see 'iam-login --help')\n", argv[1]);
	return 2;
}
