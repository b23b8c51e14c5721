/* Account management: is this IAM user allowed to use this service now? */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "pam_iam.h"

/*
 * The IAM groups that gate this service: the groups= argument, else the
 * config's [pam] service.NAME, else for sshd (or with the login_groups
 * argument) the [keys] login_groups. NULL/0 means any IAM user may use it.
 */
static size_t allowed_groups(const struct pam_iam_ctx *ctx, const char *const **out)
{
	const struct str_list *l;

	if (ctx->args.groups_set) {
		*out = ctx->args.groups;
		return ctx->args.ngroups;
	}
	l = config_service_groups(&ctx->cfg, ctx->service_raw);
	if ((!l || l->n == 0) &&
	    (ctx->args.use_login_groups || strcmp(ctx->service_raw, "sshd") == 0))
		l = &ctx->cfg.login_groups;
	if (!l || l->n == 0)
		return 0;
	*out = (const char *const *)l->items;
	return l->n;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *const *groups = NULL;
	struct pam_iam_ctx ctx;
	size_t ngroups;
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
	ngroups = allowed_groups(&ctx, &groups);
	if (ngroups > 0 && !pam_iam_user_in_groups(&ctx, groups, ngroups)) {
		pam_iam_audit(&ctx, LOG_WARNING, "denied", "not in an allowed IAM group");
		pam_iam_tell(&ctx, "Access denied: %s is not in an IAM group allowed to use %s.",
			     ctx.user_c, ctx.service_c);
		r = PAM_PERM_DENIED;
		goto out;
	}
	pam_iam_audit(&ctx, LOG_INFO, "allowed",
		      ngroups ? "member of an allowed IAM group" : "IAM user, no group rule");
	r = PAM_SUCCESS;
out:
	pam_iam_end(&ctx);
	return r;
}
