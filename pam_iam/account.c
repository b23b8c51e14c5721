/* Account management: is this IAM user allowed to use this service now? */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "pam_iam.h"

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pam_iam_ctx ctx;
	bool had_rule = false;
	int r;

	/* Account has no "unavailable" answer of its own: a user we cannot vouch for is denied. */
	r = pam_iam_begin(&ctx, pamh, "account", flags, argc, argv, PAM_PERM_DENIED);
	if (r != PAM_SUCCESS)
		goto out;
	if (!ctx.is_iam) {
		if (!ctx.args.quiet)
			pam_iam_audit(&ctx, LOG_INFO, "ignored", "not an IAM user");
		r = PAM_IGNORE;
		goto out;
	}
	if (ctx.stale) {
		char why[128];
		snprintf(why, sizeof(why), "directory snapshot is %lds old", ctx.snapshot_age);
		pam_iam_audit(&ctx, LOG_WARNING, "denied", why);
		pam_iam_tell(&ctx, "The IAM directory on this host is out of date; "
				   "IAM logins are refused until it is synced.");
		r = PAM_PERM_DENIED;
		goto out;
	}
	if (pam_iam_gate(&ctx, &had_rule) < 0) {
		r = PAM_PERM_DENIED;
		goto out;
	}
	pam_iam_audit(&ctx, LOG_INFO, "allowed",
		      had_rule ? "member of an allowed IAM group" : "IAM user, no group rule");
	r = PAM_SUCCESS;
out:
	pam_iam_end(&ctx);
	return r;
}
