/* Module arguments in the usual PAM style: name=value pairs and flags. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <security/pam_ext.h>

#include "pam_iam.h"

static int parse_long(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_mfa(const char *s)
{
	if (strcmp(s, "required") == 0)
		return MFA_REQUIRED;
	if (strcmp(s, "if-enrolled") == 0 || strcmp(s, "if_enrolled") == 0)
		return MFA_IF_ENROLLED;
	if (strcmp(s, "off") == 0)
		return MFA_OFF;
	return -1;
}

/* "G1,G2 G3" -> args->groups (copied into args->groups_buf). */
static int parse_groups(const char *s, struct pam_iam_args *args)
{
	char *save = NULL;

	if (strlen(s) >= sizeof(args->groups_buf))
		return -E2BIG;
	strcpy(args->groups_buf, s);
	args->ngroups = 0;
	args->groups_set = true;
	for (char *g = strtok_r(args->groups_buf, ", ", &save); g;
	     g = strtok_r(NULL, ", ", &save)) {
		if (args->ngroups == PAM_IAM_MAX_GROUPS)
			return -E2BIG;
		args->groups[args->ngroups++] = g;
	}
	return args->ngroups ? 0 : -EINVAL;
}

int pam_iam_parse_args(pam_handle_t *pamh, int argc, const char **argv, struct pam_iam_args *args)
{
	memset(args, 0, sizeof(*args));
	args->mfa = -1;
	args->max_snapshot_age = -1;
	args->window = -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int bad = 0;

		if (strncmp(a, "config=", 7) == 0) {
			args->config = a + 7;
			bad = a[7] != '/';
		} else if (strncmp(a, "mfa=", 4) == 0) {
			args->mfa = parse_mfa(a + 4);
			bad = args->mfa < 0;
		} else if (strncmp(a, "groups=", 7) == 0) {
			bad = parse_groups(a + 7, args) < 0;
		} else if (strncmp(a, "max_snapshot_age=", 17) == 0) {
			bad = parse_long(a + 17, 10L * 365 * 86400, &args->max_snapshot_age) < 0;
		} else if (strncmp(a, "window=", 7) == 0) {
			bad = parse_long(a + 7, 10, &args->window) < 0;
		} else if (strcmp(a, "login_groups") == 0) {
			args->use_login_groups = true;
		} else if (strncmp(a, "iam_mfa_helper=", 15) == 0) {
			args->iam_mfa_helper = a + 15;
			bad = a[15] != '/';
		} else if (strcmp(a, "iam_mfa_check") == 0) {
			args->iam_mfa_check = true;
		} else if (strcmp(a, "nodelay") == 0) {
			args->nodelay = true;
		} else if (strcmp(a, "debug") == 0) {
			args->debug = true;
		} else if (strcmp(a, "quiet") == 0) {
			args->quiet = true;
		} else if (strcmp(a, "tell_silent") == 0) {
			args->tell_silent = true;
		} else {
			pam_syslog(pamh, LOG_ERR, "unknown argument: %.64s", a);
			return PAM_SERVICE_ERR;
		}
		if (bad) {
			pam_syslog(pamh, LOG_ERR, "bad argument: %.64s", a);
			return PAM_SERVICE_ERR;
		}
	}
	return PAM_SUCCESS;
}
