/*
 * Optional (argument iam_mfa_check): under mfa=if-enrolled, ask IAM whether a
 * user without a local secret has an MFA device there. IAM cannot check a code
 * for us, so such a user is refused until the device's seed is enrolled on the
 * host (iam-login mfa enroll --iam).
 *
 * The call runs in a child process (iam-login mfa status USER --iam-count) so
 * pam_iam.so itself links no HTTP or TLS library into sshd and sudo, and so a
 * hard deadline can be enforced by killing it: IAM that does not answer in
 * time never blocks a login (the answer is then "unknown").
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "pam_iam.h"

#define IAM_MFA_DEADLINE_MS 3000
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

/* In the child: never returns. home is "HOME=..." (looked up before fork: NSS
 * is not async-signal-safe). */
static void run_helper(const char *helper, const char *config, const char *user, int out,
		       char *home)
{
	char *envp[NPASSED + 3];
	size_t n = 0;
	int devnull = open("/dev/null", O_RDWR);

	/* Own process group: the deadline kill takes anything the helper started. */
	setpgid(0, 0);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(devnull, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	envp[n++] = (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	envp[n++] = home;
	/* Under a setuid program (sudo) the environment is the invoking user's: drop it. */
	if (getauxval(AT_SECURE) == 0) {
		for (size_t i = 0; i < NPASSED; i++) {
			size_t len = strlen(passed_env[i]);
			for (char **e = environ; e && *e; e++)
				if (strncmp(*e, passed_env[i], len) == 0 && (*e)[len] == '=')
					envp[n++] = *e;
		}
	}
	envp[n] = NULL;
	execve(helper,
	       (char *const[]){(char *)helper, (char *)"--config", (char *)config, (char *)"mfa",
			       (char *)"status", (char *)user, (char *)"--iam-count", NULL},
	       envp);
	_exit(127);
}

/*
 * Reap pid before deadline: 0 with *status, -ETIMEDOUT (still running). When
 * the application ignores SIGCHLD the kernel reaps it (ECHILD): *status stays
 * 0 and the answer read is what counts.
 */
static int wait_until(pid_t pid, int64_t deadline, int *status)
{
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid || (w < 0 && errno == ECHILD))
			return 0;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (clock_mono_ms() >= deadline)
			return -ETIMEDOUT;
		usleep(5000);
	}
}

int pam_iam_has_iam_mfa(const struct pam_iam_ctx *ctx)
{
	const char *helper = ctx->args.iam_mfa_helper;
	const char *config = ctx->cfg.path ? ctx->cfg.path : IAM_DEFAULT_CONFIG;
	int64_t deadline = clock_mono_ms() + IAM_MFA_DEADLINE_MS;
	char buf[32], home[PATH_MAX + 8];
	struct passwd *root;
	size_t got = 0;
	int fds[2], status = 0, r = -ETIMEDOUT;
	pid_t pid;

	struct stat st;

	for (size_t i = 0; !helper && i < sizeof(default_helpers) / sizeof(default_helpers[0]); i++)
		if (access(default_helpers[i], X_OK) == 0)
			helper = default_helpers[i];
	if (!helper)
		return -ENOENT;
	/* Run as root with root's credentials: only a program only root can change. */
	if (stat(helper, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		pam_iam_debug(ctx, "IAM MFA check: %s is not a root-owned program", helper);
		return -EPERM;
	}
	/* Root's shared AWS files, not those of whoever ran sudo. */
	root = getpwuid(0);
	snprintf(home, sizeof(home), "HOME=%s", root && root->pw_dir ? root->pw_dir : "/root");
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	if (pid == 0)
		run_helper(helper, config, ctx->pam_user, fds[1], home);
	setpgid(pid, pid);
	close(fds[1]);
	for (;;) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		int64_t left = deadline - clock_mono_ms();
		ssize_t k;

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left) <= 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		k = read(fds[0], buf + got, sizeof(buf) - 1 - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || (got += (size_t)k) == sizeof(buf) - 1) {
			r = 0;
			break;
		}
	}
	close(fds[0]);
	/* EOF is not the end: a helper that closed stdout may still hang. */
	if (r == 0)
		r = wait_until(pid, deadline, &status);
	if (r < 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (r < 0) {
		pam_iam_debug(ctx, "IAM MFA check for %s: no answer within %d ms", ctx->user_c,
			      IAM_MFA_DEADLINE_MS);
		return r;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		pam_iam_debug(ctx, "IAM MFA check for %s: helper failed (status %d)", ctx->user_c,
			      status);
		return -EIO;
	}
	buf[got] = '\0';
	if (strspn(buf, "0123456789") == 0 || buf[strspn(buf, "0123456789")] != '\n')
		return -EBADMSG;
	return atoi(buf) > 0;
}
