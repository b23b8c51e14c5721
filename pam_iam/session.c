/* Session hooks: only an audit line for IAM users; nothing is set up or torn down. */
#include <syslog.h>

#include "pam_iam.h"

static int session_log(pam_handle_t *pamh, int flags, int argc, const char **argv, const char *what)
{
	struct pam_iam_ctx ctx;
	int r = pam_iam_begin(&ctx, pamh, "session", flags, argc, argv, PAM_IGNORE);

	if (r == PAM_SUCCESS) {
		if (ctx.is_iam) {
			pam_iam_audit(&ctx, LOG_INFO, what, "session");
		}
		r = ctx.is_iam ? PAM_SUCCESS : PAM_IGNORE;
	}
	pam_iam_end(&ctx);
	/* A session hook that only logs must never end a session that auth allowed. */
	return r == PAM_SUCCESS ? PAM_SUCCESS : PAM_IGNORE;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return session_log(pamh, flags, argc, argv, "opened");
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return session_log(pamh, flags, argc, argv, "closed");
}
