#include "keys/keyfetch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int keys_fetch_exec(void *vctx, long budget_ms, struct kc_entry *out, char *err, size_t errlen)
{
	const struct keyexec_ctx *ctx = vctx;
	size_t cap = KC_MAX_ENTRY + 1024, len = 0;
	char budget[32], *buf;
	int pfd[2], status, r = 0;
	pid_t pid;

	snprintf(budget, sizeof(budget), "%ld", budget_ms);
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(buf);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		free(buf);
		return r;
	}
	if (pid == 0) {
		char *const argv[] = {(char *)"iam-login",
				      (char *)"--config",
				      (char *)ctx->config_path,
				      (char *)"keys",
				      (char *)"--fetch-entry",
				      (char *)"--budget-ms",
				      budget,
				      (char *)"--",
				      (char *)ctx->user,
				      NULL};
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(pfd[1], 1) < 0)
			_exit(127);
		execv(ctx->helper, argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n = read(pfd[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			r = -E2BIG;
			break;
		}
	}
	close(pfd[0]);
	if (r < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	if (r < 0) {
		snprintf(err, errlen, "fetch helper answer too large");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && len > 3 &&
		   memcmp(buf, "OK\n", 3) == 0) {
		r = keycache_decode(buf + 3, len - 3, ctx->types, out);
		if (r < 0)
			snprintf(err, errlen, "fetch helper answer invalid");
	} else if (len > 4 && memcmp(buf, "ERR ", 4) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(err, errlen, "%.200s", buf + 4);
		r = -EIO;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(err, errlen, "cannot run fetch helper %.150s", ctx->helper);
		r = -ENOENT;
	} else {
		snprintf(err, errlen, "fetch helper failed");
		r = -EIO;
	}
	free(buf);
	return r;
}
