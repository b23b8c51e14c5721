/* The group gate: may this IAM user use this PAM service at all? */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "pam_iam.h"

/*
 * The IAM groups that gate this service: the groups= argument, else the
 * config's [pam] service.NAME, else for sshd (or with the login_groups
 * argument) the [keys] login_groups. 0 means any IAM user may use it.
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

int pam_iam_gate(const struct pam_iam_ctx *ctx, bool *had_rule)
{
	const char *const *groups = NULL;
	size_t n = allowed_groups(ctx, &groups), i, used = 0;
	char names[256] = "";

	*had_rule = n > 0;
	if (n == 0 || pam_iam_user_in_groups(ctx, groups, n))
		return 0;
	pam_iam_audit(ctx, LOG_WARNING, "denied", "not in an allowed IAM group");
	/* the names come from root's config or module arguments, not from IAM */
	for (i = 0; i < n && used < sizeof(names); i++) {
		int w =
		    snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "", groups[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	pam_iam_tell(ctx, "%s may not use %s on this host (IAM group%s %s).", ctx->user_c,
		     ctx->service_c, n > 1 ? "s" : "", names);
	return -1;
}
