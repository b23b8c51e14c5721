/*
 * Optional (argument iam_mfa_check): under mfa=if-enrolled, ask IAM whether a
 * user without a local secret has an MFA device there. IAM cannot check a code
 * for us, so such a user is refused until the device's seed is enrolled on the
 * host (iam-login mfa enroll --iam). This is the only network call pam_iam can
 * make: it runs with a short overall deadline and no retries, and an IAM that
 * does not answer in time never blocks a login (the answer then is "unknown").
 */
#include <errno.h>
#include <stdio.h>
#include <syslog.h>

#include "aws.h"
#include "iam_api.h"
#include "log.h"
#include "pam_iam.h"

#define IAM_MFA_DEADLINE_MS 3000
#define IAM_MFA_CONNECT_MS 1000

int pam_iam_has_iam_mfa(const struct pam_iam_ctx *ctx)
{
	/* A shallow copy with tighter limits: the strings still belong to ctx->cfg. */
	struct iam_config quick = ctx->cfg;
	struct aws_client *c = NULL;
	struct aws_error err = {0};
	struct iam_mfa_device *devs = NULL;
	size_t n = 0;
	int r;

	if (!ctx->user.iam_name)
		return -ENOENT;
	if (quick.timeout_ms <= 0 || quick.timeout_ms > IAM_MFA_DEADLINE_MS)
		quick.timeout_ms = IAM_MFA_DEADLINE_MS;
	if (quick.connect_timeout_ms <= 0 || quick.connect_timeout_ms > IAM_MFA_CONNECT_MS)
		quick.connect_timeout_ms = IAM_MFA_CONNECT_MS;
	quick.max_retries = 0;
	r = aws_client_new(&quick, 0, &c, &err);
	if (r == 0)
		r = iam_list_mfa_devices(c, ctx->user.iam_name, &devs, &n, &err);
	if (r < 0) {
		char buf[700], clean[400];
		aws_error_str(&err, buf, sizeof(buf));
		pam_iam_debug(ctx, "ListMFADevices %s: %s", ctx->user_c,
			      log_clean(clean, sizeof(clean), buf));
	}
	iam_mfa_devices_free(devs, n);
	aws_client_free(c);
	return r < 0 ? r : n > 0;
}
