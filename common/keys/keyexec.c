#include "keys/keyexec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/spawn.h"

extern char **environ;

int keys_fetch_exec(void *vctx, long budget_ms, struct kc_entry *out, struct iam_err *err)
{
	const struct keyexec_ctx *ctx = vctx;
	struct spawn_result res;
	char budget[32];
	int r;

	snprintf(budget, sizeof(budget), "%ld", budget_ms);
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
	struct spawn_opts o = {
	    .path = ctx->helper,
	    .argv = argv,
	    /* Our own user's settings (AWS_*, HOME for its shared files): sshd
	     * already hands the key command a minimal environment. */
	    .envp = environ,
	    /* its complaints (config, loader, libcurl) belong in sshd's log, as before */
	    .err = SPAWN_STDERR_INHERIT,
	    .deadline_ms = clock_mono_ms() + budget_ms,
	    .max_output = KC_MAX_ENTRY + 1024,
	    /* We run in the key cache's fetch child: its deadline kill takes the
	     * whole group, so the helper must stay in it. */
	    .same_group = true,
	};

	r = spawn_run(&o, &res);
	if (r == -E2BIG) {
		err_set(err, r, "fetch helper answer too large");
	} else if (r == -ETIMEDOUT) {
		err_set(err, r, "fetch helper did not answer within %ld ms", budget_ms);
	} else if (r < 0) {
		err_set(err, r, "cannot run fetch helper %.150s: %s", ctx->helper, strerror(-r));
	} else if (res.exit_code == 0 && res.len > 3 && memcmp(res.out, "OK\n", 3) == 0) {
		r = keycache_decode(res.out + 3, res.len - 3, ctx->types, out);
		if (r < 0)
			err_set(err, r, "fetch helper answer invalid");
	} else if (res.len > 4 && memcmp(res.out, "ERR ", 4) == 0) {
		res.out[strcspn(res.out, "\n")] = '\0';
		r = err_set(err, -EIO, "%.200s", res.out + 4);
	} else {
		r = err_set(err, -EIO, "fetch helper failed");
	}
	spawn_result_free(&res);
	return r;
}
