/* Authentication: a TOTP code for IAM users, under the configured MFA policy. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <security/pam_ext.h>

#include "base/file.h"
#include "pam_iam.h"
#include "mfa/totp.h"
#include "mfa/usersfile.h"
#include "base/wipe.h"

/* Longest answer we look at; anything longer is rejected without parsing. */
#define MAX_ANSWER 64

/*
 * Ask for the code with echo off. PAM_SUCCESS with *code filled (digits only,
 * exactly digits long), PAM_CONV_ERR when the conversation failed, PAM_AUTH_ERR
 * for an unusable answer (already told and logged).
 */
static int read_code(struct pam_iam_ctx *ctx, unsigned digits, char *code, size_t codesz)
{
	char *answer = NULL;
	const char *why = NULL;
	size_t len;
	int r;

	r = pam_prompt(ctx->pamh, PAM_PROMPT_ECHO_OFF, &answer, "%s", PAM_IAM_PROMPT);
	if (r != PAM_SUCCESS || !answer) {
		pam_iam_audit(ctx, LOG_NOTICE, "failed", "no answer from the conversation");
		if (answer)
			wipe_free_str(answer);
		return PAM_CONV_ERR;
	}
	len = strnlen(answer, MAX_ANSWER + 1);
	if (len == 0)
		why = "empty verification code";
	else if (len > MAX_ANSWER || len != digits)
		why = len > digits ? "verification code too long" : "verification code too short";
	else if (strspn(answer, "0123456789") != len)
		why = "verification code is not all digits";
	if (!why && len < codesz)
		memcpy(code, answer, len + 1);
	/* an oversized answer may be longer than we looked at: wipe all of it */
	wipe_free_str(answer);
	if (why) {
		pam_iam_audit(ctx, LOG_NOTICE, "failed", why);
		pam_iam_tell(ctx,
			     "Invalid verification code: enter the %u digits your "
			     "authenticator app shows.",
			     digits);
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

/*
 * Did sshd verify a public key for this very login? With ExposeAuthInfo yes,
 * OpenSSH puts SSH_AUTH_INFO_0 ("publickey TYPE BASE64\n" per method that
 * succeeded) into the PAM environment before keyboard-interactive runs PAM. Only
 * sshd itself may vouch for it: su, sudo and login are setuid or root programs
 * whose PAM environment the caller cannot fill, but a module earlier in their
 * stack could, so the variable counts only inside the sshd binary.
 */
static bool sshd_verified_publickey(const struct pam_iam_ctx *ctx)
{
	const char *info = pam_getenv(ctx->pamh, "SSH_AUTH_INFO_0");
	char exe[PATH_MAX];
	ssize_t n;
	const char *base;

	if (!info)
		return false;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	if (strcmp(base, "sshd") != 0)
		return false;
	for (const char *line = info; *line;) {
		if (strncmp(line, "publickey ", 10) == 0)
			return true;
		line = strchr(line, '\n');
		if (!line)
			break;
		line++;
	}
	return false;
}

/*
 * No factor of our own to check (policy off, or not enrolled under
 * if-enrolled). pam_iam never says "success" for a factor it did not verify:
 * a public key that sshd proved for this login counts; anything else is
 * PAM_IGNORE, and the rest of the stack decides (pam_unix refuses an IAM user,
 * who has no password).
 */
static int no_own_factor(struct pam_iam_ctx *ctx, const char *what)
{
	char why[160];

	if (sshd_verified_publickey(ctx)) {
		snprintf(why, sizeof(why), "%s, public key verified by sshd for this login", what);
		pam_iam_audit(ctx, LOG_INFO, "success", why);
		return PAM_SUCCESS;
	}
	snprintf(why, sizeof(why), "%s, no factor verified: left to the rest of the stack", what);
	pam_iam_audit(ctx, LOG_INFO, "ignored", why);
	return PAM_IGNORE;
}

/* No local secret: what the policy says. */
static int not_enrolled(struct pam_iam_ctx *ctx, enum mfa_policy policy)
{
	int has_iam = 0;

	if (policy == MFA_REQUIRED) {
		pam_iam_audit(ctx, LOG_WARNING, "denied", "mfa required, no TOTP secret enrolled");
		pam_iam_tell(ctx,
			     "Multi-factor authentication is required, but %s has no "
			     "authenticator enrolled on this host. Ask an administrator to run "
			     "'iam-login mfa enroll %s'.",
			     ctx->user_c, ctx->user_c);
		return PAM_AUTH_ERR;
	}
	if (ctx->args.iam_mfa_check)
		has_iam = pam_iam_has_iam_mfa(ctx);
	if (has_iam > 0) {
		/* IAM cannot check a code for us: the device's seed must be on this host. */
		pam_iam_audit(ctx, LOG_WARNING, "denied",
			      "mfa if-enrolled, IAM MFA device but no TOTP secret on this host");
		pam_iam_tell(ctx,
			     "%s has an MFA device in IAM, but it is not enrolled on this host. "
			     "Ask an administrator to run 'iam-login mfa enroll --iam %s'.",
			     ctx->user_c, ctx->user_c);
		return PAM_AUTH_ERR;
	}
	if (has_iam < 0) {
		/*
		 * The helper runs with the caller's uid under sudo and can be killed
		 * by them: an answer we did not get is never "no device".
		 */
		char why[128];
		snprintf(why, sizeof(why), "mfa if-enrolled, IAM MFA check failed: %s",
			 strerror(-has_iam));
		pam_iam_audit(ctx, LOG_WARNING, "denied", why);
		pam_iam_tell(ctx,
			     "Could not ask IAM whether %s has an MFA device; try again later.",
			     ctx->user_c);
		return PAM_AUTHINFO_UNAVAIL;
	}
	return no_own_factor(ctx, ctx->args.iam_mfa_check
				      ? "mfa if-enrolled, not enrolled, no IAM MFA device"
				      : "mfa if-enrolled, not enrolled");
}

/*
 * This host accepted the code (and recorded it locally). With [mfa]
 * replay_table, every other host must not accept it again: ask DynamoDB.
 */
static int replay_guard(struct pam_iam_ctx *ctx, long long step)
{
	char why[160], line[320];
	int r;

	if (!ctx->cfg.mfa_replay_table) {
		pam_iam_audit(ctx, LOG_NOTICE, "success", "totp code accepted");
		return PAM_SUCCESS;
	}
	r = pam_iam_replay_guard(ctx, step, why, sizeof(why));
	if (r > 0) {
		pam_iam_audit(ctx, LOG_NOTICE, "success", "totp code accepted (replay table)");
		return PAM_SUCCESS;
	}
	if (r == 0) {
		pam_iam_audit(ctx, LOG_WARNING, "failed",
			      "totp code replayed: already accepted on another host");
		pam_iam_tell(ctx, "This code was already used; wait for the next one.");
		return PAM_AUTH_ERR;
	}
	if (ctx->cfg.mfa_replay_deny) {
		snprintf(line, sizeof(line),
			 "replay guard unreachable (%s), replay_guard_failure = deny", why);
		pam_iam_audit(ctx, LOG_ERR, "denied", line);
		pam_iam_tell(ctx, "Multi-factor authentication is unavailable on this host.");
		return PAM_AUTHINFO_UNAVAIL;
	}
	snprintf(line, sizeof(line),
		 "totp code accepted; replay guard unreachable (%s): this host's replay state "
		 "only (replay_guard_failure = local)",
		 why);
	pam_iam_audit(ctx, LOG_WARNING, "success", line);
	return PAM_SUCCESS;
}

static int authenticate(struct pam_iam_ctx *ctx)
{
	enum mfa_policy policy = pam_iam_policy(ctx);
	const char *usersfile = ctx->cfg.mfa_usersfile;
	struct usersfile_status st;
	char code[TOTP_MAX_DIGITS + 1] = {0};
	bool had_rule;
	long long step = -1;
	int r;

	if (ctx->stale) {
		char why[128];
		snprintf(why, sizeof(why), "directory snapshot is %lds old", ctx->snapshot_age);
		pam_iam_audit(ctx, LOG_WARNING, "denied", why);
		pam_iam_tell(ctx, "The IAM directory on this host is out of date; "
				  "IAM logins are refused until it is synced.");
		return PAM_AUTHINFO_UNAVAIL;
	}
	/* Someone the service's group rule shuts out is told so before any code is asked
	 * for (the account phase refuses them too, whatever the stack). */
	if (pam_iam_gate(ctx, &had_rule) < 0)
		return PAM_PERM_DENIED;
	/* Like pam_unix: ask libpam to delay a failure answer (it randomises the delay). */
	if (!ctx->args.nodelay)
		pam_fail_delay(ctx->pamh, 2000000);
	if (policy == MFA_OFF)
		return no_own_factor(ctx, "mfa off");
	/* keyed by the immutable IAM UserId, never the name: a new IAM user under an
	 * old name must not inherit the old user's secret (issue 8 finding 9) */
	r = usersfile_status(usersfile, ctx->user.iam_id, &st);
	/* -ENOENT: no usersfile yet, or no line for this user */
	if (r == -ENOENT)
		return not_enrolled(ctx, policy);
	if (r < 0) {
		char why[160];
		snprintf(why, sizeof(why), "mfa usersfile unusable: %s%s", strerror(-r),
			 r == -EPERM	 ? " (must be a root-owned 0600 file)"
			 : r == -EUCLEAN ? " (damaged: a byte the writer never writes)"
					 : "");
		pam_iam_audit(ctx, LOG_ERR, "denied", why);
		pam_iam_tell(ctx, "Multi-factor authentication is unavailable on this host.");
		return PAM_AUTHINFO_UNAVAIL;
	}
	r = read_code(ctx, st.digits, code, sizeof(code));
	if (r != PAM_SUCCESS)
		return r;
	r = usersfile_verify(usersfile, ctx->user.iam_id, code, pam_iam_window(ctx), &step);
	wipe(code);
	switch (r) {
	case 0:
		return replay_guard(ctx, step);
	case -EALREADY:
		pam_iam_audit(ctx, LOG_WARNING, "failed", "totp code replayed");
		pam_iam_tell(ctx, "This code was already used; wait for the next one.");
		return PAM_AUTH_ERR;
	case -EUSERS:
		pam_iam_audit(ctx, LOG_WARNING, "failed", "totp throttled: too many attempts");
		pam_iam_tell(ctx, "Too many attempts; wait for the next code.");
		return PAM_MAXTRIES;
	case -EACCES:
	case -EINVAL:
		pam_iam_audit(ctx, LOG_WARNING, "failed", "totp code wrong or outside the window");
		pam_iam_tell(ctx, "Verification code is not valid.");
		return PAM_AUTH_ERR;
	default: {
		char why[128];
		snprintf(why, sizeof(why), "totp check failed: %s", strerror(-r));
		pam_iam_audit(ctx, LOG_ERR, "failed", why);
		pam_iam_tell(ctx, "Multi-factor authentication is unavailable on this host.");
		return PAM_AUTHINFO_UNAVAIL;
	}
	}
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pam_iam_ctx ctx;
	int r;

	r = pam_iam_begin(&ctx, pamh, "auth", flags, argc, argv, PAM_AUTHINFO_UNAVAIL);
	if (r == PAM_SUCCESS) {
		if (ctx.is_iam) {
			r = authenticate(&ctx);
		} else {
			if (!ctx.args.quiet)
				pam_iam_audit(&ctx, LOG_INFO, "ignored", "not an IAM user");
			r = PAM_IGNORE;
		}
	}
	pam_iam_end(&ctx);
	return r;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
