/*
 * pam_iam's helper child: `iam-login ... ` run as root with a minimal
 * environment, its own process group, killed at a hard deadline. pam_iam.so
 * links no HTTP or TLS library into sshd and sudo; everything that talks to
 * AWS (the IAM MFA device check, the DynamoDB replay guard) runs here, and an
 * AWS that hangs never blocks a login past the deadline.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/spawn.h"
#include "pam_iam.h"

/* Where packages and `make install` (PREFIX=/usr/local) put iam-login. */
static const char *const default_helpers[] = {"/usr/sbin/iam-login", "/usr/local/sbin/iam-login"};

extern char **environ;

/* Credential settings the helper may inherit (never under a setuid caller). */
static const char *const passed_env[] = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_DISABLED",
};
#define NPASSED (sizeof(passed_env) / sizeof(passed_env[0]))

/*
 * The helper's environment: PATH, home ("HOME=...", root's), and the
 * credential settings of passed_env from ours. Into envp (NPASSED + 3).
 */
static void helper_env(char **envp, char *home)
{
	size_t n = 0;

	envp[n++] = (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	envp[n++] = home;
	/* Under a setuid program (sudo) the environment is the invoking user's: drop it. */
	if (getauxval(AT_SECURE) == 0) {
		for (size_t i = 0; i < NPASSED; i++) {
			size_t len = strlen(passed_env[i]);
			for (char **e = environ; e && *e; e++)
				if (strncmp(*e, passed_env[i], len) == 0 && (*e)[len] == '=') {
					envp[n++] = *e;
					break; /* one each: envp has room for no more */
				}
		}
	}
	envp[n] = NULL;
}

int pam_iam_run_helper(const struct pam_iam_ctx *ctx, const char *const *args, long deadline_ms,
		       struct spawn_result *res)
{
	const char *helper = ctx->args.iam_mfa_helper;
	const char *config = ctx->cfg.path ? ctx->cfg.path : IAM_DEFAULT_CONFIG;
	char home[PATH_MAX + 8], *envp[NPASSED + 3], *argv[16];
	struct passwd *root;
	struct stat st;
	size_t n = 0;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; !helper && i < sizeof(default_helpers) / sizeof(default_helpers[0]); i++)
		if (access(default_helpers[i], X_OK) == 0)
			helper = default_helpers[i];
	if (!helper)
		return -ENOENT;
	/* Run as root with root's credentials: only a program only root can change. */
	if (stat(helper, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		pam_iam_debug(ctx, "helper %s is not a root-owned program", helper);
		return -EPERM;
	}
	/* Root's shared AWS files, not those of whoever ran sudo. */
	root = getpwuid(0);
	snprintf(home, sizeof(home), "HOME=%s", root && root->pw_dir ? root->pw_dir : "/root");
	helper_env(envp, home);
	argv[n++] = (char *)helper;
	argv[n++] = (char *)"--config";
	argv[n++] = (char *)config;
	for (size_t i = 0; args[i] && n < sizeof(argv) / sizeof(argv[0]) - 1; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	/* Its own group, killed at the deadline. */
	return spawn_run(&(struct spawn_opts){.path = helper,
					      .argv = argv,
					      .envp = envp,
					      .deadline_ms = clock_mono_ms() + deadline_ms,
					      .max_output = 31},
			 res);
}
