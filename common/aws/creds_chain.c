/* The credential chain's order, and its first link: the environment. */
#include "aws/creds_chain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_error.h"
#include "config/config.h"

int creds_from_env(struct aws_creds *out, struct aws_error *err)
{
	const char *ak = secure_getenv("AWS_ACCESS_KEY_ID");
	const char *sk = secure_getenv("AWS_SECRET_ACCESS_KEY");
	const char *tok = secure_getenv("AWS_SESSION_TOKEN");

	if (!ak || !*ak || !sk || !*sk)
		return -ENOENT;
	return creds_set_validated(out, ak, sk, tok, "env", err);
}

int creds_resolve(const struct iam_config *cfg, struct aws_creds *out, struct aws_error *err)
{
	int r;

	memset(out, 0, sizeof(*out));
	/* A profile named in the config is an explicit choice, like boto3's
	 * Session(profile_name=...): keys in the environment do not override it. */
	if (!(cfg && cfg->profile && *cfg->profile)) {
		r = creds_from_env(out, err);
		if (r != -ENOENT)
			return r;
	}
	r = creds_from_profile(cfg, out, err);
	if (r != -ENOENT)
		return r;
	r = creds_from_container(cfg, out, err);
	if (r != -ENOENT)
		return r;
	if (err)
		err->message[0] = '\0';
	r = creds_from_imds(cfg, out, err);
	if (r != -ENOENT)
		return r;
	/* Say why the last place (instance metadata) had nothing, if it said. */
	if (err && err->message[0]) {
		char why[sizeof(err->message)];
		snprintf(why, sizeof(why), "%s", err->message);
		aws_error_set(err, "NoCredentials",
			      "no AWS credentials found (environment, shared files, container, "
			      "instance metadata: %.300s)",
			      why);
	} else {
		aws_error_set(err, "NoCredentials",
			      "no AWS credentials found (environment, shared files, container, "
			      "instance metadata)");
	}
	return -ENOKEY;
}
