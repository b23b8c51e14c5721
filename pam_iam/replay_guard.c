/*
 * The cross-host replay guard ([mfa] replay_table, decision 16): after this
 * host accepted a code, `iam-login mfa guard USER_ID STEP` records its time
 * step in DynamoDB with a conditional update that succeeds only for a step
 * higher than the one recorded, so the same code is refused on every other
 * host. It runs in the helper child (no libcurl in sshd or sudo) and is killed
 * at REPLAY_GUARD_DEADLINE_MS: a PAM answer within 2.5 s in every case.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/spawn.h"
#include "pam_iam.h"

#define REPLAY_GUARD_DEADLINE_MS 2000
#define GUARD_EXIT_REPLAYED 3

int pam_iam_replay_guard(const struct pam_iam_ctx *ctx, long long step, char *why, size_t n)
{
	char nstep[24];
	const char *const args[] = {"mfa", "guard", ctx->user.iam_id, nstep, NULL};
	struct spawn_result res;
	int r;

	snprintf(nstep, sizeof(nstep), "%lld", step);
	r = pam_iam_run_helper(ctx, args, REPLAY_GUARD_DEADLINE_MS, &res);
	if (r == -ETIMEDOUT) {
		snprintf(why, n, "no answer within %d ms", REPLAY_GUARD_DEADLINE_MS);
	} else if (r < 0) {
		snprintf(why, n, "helper failed: %s", strerror(-r));
	} else if (res.exit_code == 0 && strcmp(res.out, "recorded\n") == 0) {
		r = 1;
	} else if (res.exit_code == GUARD_EXIT_REPLAYED && strcmp(res.out, "replayed\n") == 0) {
		r = 0;
	} else {
		snprintf(why, n, "helper failed (status %d)",
			 res.exit_code >= 0 ? res.exit_code : 128 + res.term_signal);
		r = -EIO;
	}
	spawn_result_free(&res);
	return r;
}
