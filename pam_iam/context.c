/* Per-call context: arguments, config, snapshot, and the user's IAM identity. */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <security/pam_ext.h>
#include <security/pam_modutil.h>

#include "base/log.h"
#include "pam_iam.h"

enum mfa_policy pam_iam_policy(const struct pam_iam_ctx *ctx)
{
	return ctx->args.mfa >= 0 ? (enum mfa_policy)ctx->args.mfa : ctx->cfg.mfa_policy;
}

unsigned pam_iam_window(const struct pam_iam_ctx *ctx)
{
	return ctx->args.window >= 0 ? (unsigned)ctx->args.window : ctx->cfg.mfa_window;
}

/*
 * A value that goes unquoted into the audit line. The user name is the
 * client's choice (sshd hands PAM whatever name was asked for): a blank or a
 * quote in it would start forged fields ("x reason=\"totp code accepted\"").
 */
static void clean_token(char *dst, size_t n, const char *src)
{
	log_clean(dst, n, src);
	for (char *p = dst; *p; p++)
		if (*p == ' ' || *p == '"')
			*p = '?';
}

void pam_iam_audit(const struct pam_iam_ctx *ctx, int prio, const char *result, const char *reason)
{
	log_audit(prio, "pam_iam(%s:%s): %s user=%s arn=%s rhost=%s reason=\"%s\"", ctx->service_c,
		  ctx->phase, result, ctx->user_c, ctx->arn_c[0] ? ctx->arn_c : "-",
		  ctx->rhost_c[0] ? ctx->rhost_c : "-", reason);
}

void pam_iam_tell(const struct pam_iam_ctx *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ctx->args.quiet || ((ctx->flags & PAM_SILENT) && !ctx->args.tell_silent))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pam_error(ctx->pamh, "%s", msg);
}

void pam_iam_debug(const struct pam_iam_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->args.debug)
		return;
	va_start(ap, fmt);
	pam_vsyslog(ctx->pamh, LOG_DEBUG, fmt, ap);
	va_end(ap);
}

bool pam_iam_user_in_groups(const struct pam_iam_ctx *ctx, const char *const *groups,
			    size_t ngroups)
{
	return snap_user_in_groups(ctx->snap, &ctx->user, groups, ngroups);
}

/*
 * When the snapshot (or config) cannot be read we cannot tell who is IAM-managed.
 * IAM users get uids from the configured range, which avoids the system and
 * local ranges by design, so a passwd entry outside it is a local account and
 * passes through; one inside it fails closed.
 */
static int unavailable(struct pam_iam_ctx *ctx, int unavail, const char *why)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	int e = getpwnam_r(ctx->pam_user, &pw, buf, sizeof(buf), &res);

	if (e == 0 && res && (res->pw_uid < ctx->cfg.uid_min || res->pw_uid > ctx->cfg.uid_max)) {
		pam_iam_debug(ctx, "%s; uid %u is outside the IAM range: ignoring", why,
			      (unsigned)res->pw_uid);
		return PAM_IGNORE;
	}
	/* A lookup error (not "no such user") is no proof of a local account. */
	if (e == 0 && !res) {
		pam_iam_debug(ctx, "%s; user unknown: ignoring", why);
		return PAM_IGNORE;
	}
	pam_iam_audit(ctx, LOG_ERR, "denied", why);
	pam_iam_tell(ctx, "IAM login is unavailable on this host right now.");
	return unavail;
}

static void snapshot_path(const struct pam_iam_ctx *ctx, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", ctx->cfg.state_dir ? ctx->cfg.state_dir : IAM_DEFAULT_STATE_DIR,
		 IAM_SNAPSHOT_NAME);
}

static void snap_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	snap_close(data);
}

/*
 * The snapshot is validated (checksum over the whole file) when it is opened:
 * about a millisecond for 10,000 users. Keep it on the PAM handle so auth,
 * account and session of one login open it once, unless the file was replaced.
 */
static int open_snapshot(struct pam_iam_ctx *ctx, const char *path)
{
	char key[PATH_MAX + 16];
	const void *cached = NULL;
	struct snap *snap = NULL;
	int r;

	snprintf(key, sizeof(key), "pam_iam:snap:%s", path);
	if (pam_get_data(ctx->pamh, key, &cached) == PAM_SUCCESS && cached &&
	    !snap_is_stale(cached, path)) {
		ctx->snap = (struct snap *)cached;
		ctx->snap_on_handle = true;
		return 0;
	}
	r = snap_open(path, &snap);
	if (r < 0)
		return r;
	ctx->snap = snap;
	/* Replacing an older entry closes it through snap_cleanup. */
	ctx->snap_on_handle = pam_set_data(ctx->pamh, key, snap, snap_cleanup) == PAM_SUCCESS;
	return 0;
}

int pam_iam_begin(struct pam_iam_ctx *ctx, pam_handle_t *pamh, const char *phase, int flags,
		  int argc, const char **argv, int unavail)
{
	const void *item = NULL;
	struct config_error cerr;
	char path[PATH_MAX];
	struct snap_info info;
	long max_age;
	int r;

	memset(ctx, 0, sizeof(*ctx));
	ctx->pamh = pamh;
	ctx->phase = phase;
	ctx->flags = flags;
	snprintf(ctx->service_c, sizeof(ctx->service_c), "?");
	snprintf(ctx->user_c, sizeof(ctx->user_c), "?");
	if (pam_get_item(pamh, PAM_SERVICE, &item) == PAM_SUCCESS && item) {
		log_clean(ctx->service_c, sizeof(ctx->service_c), item);
		snprintf(ctx->service_raw, sizeof(ctx->service_raw), "%s", (const char *)item);
	}
	item = NULL;
	if (pam_get_item(pamh, PAM_RHOST, &item) == PAM_SUCCESS && item)
		clean_token(ctx->rhost_c, sizeof(ctx->rhost_c), item);

	r = pam_iam_parse_args(pamh, argc, argv, &ctx->args);
	if (r != PAM_SUCCESS)
		return r;
	if (pam_get_user(pamh, &ctx->pam_user, NULL) != PAM_SUCCESS || !ctx->pam_user ||
	    !*ctx->pam_user) {
		pam_syslog(pamh, LOG_ERR, "cannot determine the user name");
		return PAM_USER_UNKNOWN;
	}
	clean_token(ctx->user_c, sizeof(ctx->user_c), ctx->pam_user);

	if (config_defaults(&ctx->cfg) < 0)
		return PAM_BUF_ERR;
	ctx->cfg_loaded = true;
	/* Never from the environment: under sudo that belongs to the invoking user. */
	r = config_load(ctx->args.config ? ctx->args.config : IAM_DEFAULT_CONFIG, &ctx->cfg, &cerr);
	if (r < 0) {
		char file[200], msg[300];
		log_clean(file, sizeof(file), cerr.file);
		log_clean(msg, sizeof(msg), cerr.err.msg);
		pam_syslog(pamh, LOG_ERR, "config %s:%d: %s", file, cerr.line, msg);
		/* config_load may have half-filled cfg: use plain defaults for the uid range */
		config_free(&ctx->cfg);
		if (config_defaults(&ctx->cfg) < 0) {
			ctx->cfg_loaded = false;
			return PAM_BUF_ERR;
		}
		return unavailable(ctx, unavail, "configuration cannot be loaded");
	}

	snapshot_path(ctx, path, sizeof(path));
	r = open_snapshot(ctx, path);
	if (r < 0) {
		char why[128];
		ctx->snap = NULL;
		snprintf(why, sizeof(why), "directory snapshot unreadable: %s", strerror(-r));
		if (r != -ENOENT)
			pam_syslog(pamh, LOG_ERR, "%s: %s", path, strerror(-r));
		return unavailable(ctx, unavail, why);
	}
	r = snap_user_by_name(ctx->snap, ctx->pam_user, &ctx->user);
	if (r == -ENOENT) {
		pam_iam_debug(ctx, "%s is not in the IAM directory", ctx->user_c);
		return PAM_SUCCESS; /* not IAM-managed: is_iam stays false */
	}
	if (r < 0)
		return unavailable(ctx, unavail, "directory snapshot entry damaged");
	/* install checked the ranges; a reader re-checks them against root's config */
	if (ctx->user.uid < ctx->cfg.uid_min || ctx->user.uid > ctx->cfg.uid_max ||
	    ctx->user.gid != ctx->user.uid)
		return unavailable(ctx, unavail,
				   "directory snapshot entry outside uid_min..uid_max");
	{
		/*
		 * The account the service logs into is the one NSS resolves. A local
		 * account created under an IAM name after the last sync comes first
		 * (files before iam) and has another uid: it is not the IAM user and
		 * gets nothing of theirs (issue 8 finding 7).
		 */
		const struct passwd *pw = pam_modutil_getpwnam(pamh, ctx->pam_user);

		/* No account at all: nothing to take over, the service refuses anyway. */
		if (pw && pw->pw_uid != (uid_t)ctx->user.uid) {
			log_clean(ctx->arn_c, sizeof(ctx->arn_c),
				  ctx->user.iam_arn ? ctx->user.iam_arn : "");
			pam_iam_audit(ctx, LOG_WARNING, "ignored",
				      "local account has the IAM user's name but another uid: "
				      "not treated as the IAM user");
			ctx->arn_c[0] = '\0';
			return PAM_SUCCESS; /* is_iam stays false: the stack decides */
		}
	}
	ctx->is_iam = true;
	log_clean(ctx->arn_c, sizeof(ctx->arn_c), ctx->user.iam_arn ? ctx->user.iam_arn : "");

	snap_get_info(ctx->snap, &info);
	ctx->snapshot_age = (long)(time(NULL) - info.created);
	max_age = ctx->args.max_snapshot_age >= 0 ? ctx->args.max_snapshot_age
						  : ctx->cfg.max_snapshot_age;
	/* A snapshot from the future (clock step) is no proof of freshness either. */
	ctx->stale = max_age > 0 && (ctx->snapshot_age > max_age || ctx->snapshot_age < -300);
	pam_iam_debug(ctx, "IAM user %s (%s), snapshot age %lds, max %lds", ctx->user_c, ctx->arn_c,
		      ctx->snapshot_age, max_age);
	return PAM_SUCCESS;
}

void pam_iam_end(struct pam_iam_ctx *ctx)
{
	if (ctx->snap && !ctx->snap_on_handle)
		snap_close(ctx->snap);
	ctx->snap = NULL;
	if (ctx->cfg_loaded)
		config_free(&ctx->cfg);
	ctx->cfg_loaded = false;
}
