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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/spawn.h"
#include "pam_iam.h"

#define IAM_MFA_DEADLINE_MS 3000

int pam_iam_has_iam_mfa(const struct pam_iam_ctx *ctx)
{
	const char *const args[] = {"mfa", "status", ctx->pam_user, "--iam-count", NULL};
	struct spawn_result res;
	size_t digits;
	int r;

	r = pam_iam_run_helper(ctx, args, IAM_MFA_DEADLINE_MS, &res);
	if (r == -ETIMEDOUT) {
		pam_iam_debug(ctx, "IAM MFA check for %s: no answer within %d ms", ctx->user_c,
			      IAM_MFA_DEADLINE_MS);
	} else if (r < 0) {
		pam_iam_debug(ctx, "IAM MFA check for %s: helper failed: %s", ctx->user_c,
			      strerror(-r));
	} else if (res.exit_code != 0) {
		pam_iam_debug(ctx, "IAM MFA check for %s: helper failed (status %d)", ctx->user_c,
			      res.exit_code >= 0 ? res.exit_code : 128 + res.term_signal);
		r = -EIO;
	} else {
		digits = strspn(res.out, "0123456789");
		r = digits == 0 || res.out[digits] != '\n' ? -EBADMSG : atoi(res.out) > 0;
	}
	spawn_result_free(&res);
	return r;
}
