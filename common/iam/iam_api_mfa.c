/*
 * MFA devices: ListMFADevices (read-only, for the host) and, for an admin
 * enrolling a user, CreateVirtualMFADevice + EnableMFADevice. The seed IAM
 * returns is a secret: every buffer that held it is zeroed on every path.
 */
#include "iam/iam_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws/xml.h"
#include "base/wipe.h"

struct mfa_ctx {
	const char *user;
	struct iam_mfa_list devs;
};

static int mfa_page(const char *body, size_t len, void *ctx, struct iam_page *pg,
		    struct aws_error *err)
{
	struct mfa_ctx *m = ctx;

	return iam_parse_list_mfa_page(body, len, m->user, &m->devs, pg, err);
}

int iam_list_mfa_devices(struct aws_client *c, const char *user, struct iam_mfa_device **devs,
			 size_t *n, struct aws_error *err)
{
	const char *params[] = {
	    "Action", "ListMFADevices", "Version", IAM_API_VERSION, "UserName", user, NULL};
	struct mfa_ctx m = {.user = user};
	int rc;

	*devs = NULL;
	*n = 0;
	if (!iam_valid_user_name(user))
		return iam_bad_arg(err, "user name");
	rc = iam_paged_call(c, params, 0, mfa_page, &m, NULL, err);
	if (rc < 0) {
		iam_mfa_list_free(&m.devs);
		return rc;
	}
	*devs = m.devs.v;
	*n = m.devs.n;
	return 0;
}

/* VirtualMFADeviceName: [\w+=,.@-]{1,226} */
static bool valid_device_name(const char *s)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++) {
		char one[2] = {s[n], '\0'};
		if (n >= 226 || !iam_valid_user_name(one))
			return false;
	}
	return n > 0;
}

int iam_create_virtual_mfa_device(struct aws_client *c, const char *name, char **serial,
				  char **seed_base32, struct aws_error *err)
{
	const char *params[] = {"Action",
				"CreateVirtualMFADevice",
				"Version",
				IAM_API_VERSION,
				"VirtualMFADeviceName",
				name,
				NULL};
	char *body = NULL;
	size_t len = 0;
	int rc;

	*serial = NULL;
	*seed_base32 = NULL;
	if (!valid_device_name(name))
		return iam_bad_arg(err, "virtual MFA device name");
	/* Not paged: one request, so the answer (with the seed) passes through one buffer. */
	rc = aws_query(c, AWS_SVC_IAM, params, &body, &len, err);
	if (rc == 0)
		rc = iam_parse_create_vmfa(body, len, serial, seed_base32, err);
	if (body) {
		wipe_bytes(body, len);
		free(body);
	}
	return rc;
}

/* A TOTP code: 6 to 8 digits. */
static bool valid_code(const char *s)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++)
		if (n >= 8 || s[n] < '0' || s[n] > '9')
			return false;
	return n >= 6;
}

int iam_enable_mfa_device(struct aws_client *c, const char *user, const char *serial,
			  const char *code1, const char *code2, struct aws_error *err)
{
	const char *params[] = {"Action",
				"EnableMFADevice",
				"Version",
				IAM_API_VERSION,
				"UserName",
				user,
				"SerialNumber",
				serial,
				"AuthenticationCode1",
				code1,
				"AuthenticationCode2",
				code2,
				NULL};
	struct xml_node *tree = NULL;
	char *body = NULL;
	struct iam_err xerr;
	size_t len = 0;
	int rc;

	if (!iam_valid_user_name(user))
		return iam_bad_arg(err, "user name");
	if (!iam_valid_mfa_serial(serial))
		return iam_bad_arg(err, "MFA serial number");
	if (!valid_code(code1) || !valid_code(code2))
		return iam_bad_arg(err, "authentication code");
	rc = aws_query(c, AWS_SVC_IAM, params, &body, &len, err);
	if (rc == 0) {
		/* The answer carries no data; it must still be the answer to this action. */
		rc = xml_parse(body, len, NULL, &tree, &xerr);
		if (rc < 0)
			rc = iam_bad(err, "EnableMFADevice: %s", xerr.msg);
		else if (strcmp(tree->name, "EnableMFADeviceResponse") != 0)
			rc = iam_bad(err, "EnableMFADevice: answer is <%.40s>", tree->name);
		xml_free(tree);
	}
	free(body);
	return rc;
}
