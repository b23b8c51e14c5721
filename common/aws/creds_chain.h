/*
 * The credential chain in the SDKs' order: environment, shared credentials/config
 * files (profiles, role_arn with source_profile or credential_source),
 * container credentials, EC2 instance metadata (IMDSv2; v1 only if allowed).
 * A role profile is assumed through sts.h, the chain's only use of the transport.
 */
#ifndef IAM_CREDS_CHAIN_H
#define IAM_CREDS_CHAIN_H

#include <stddef.h>

#include "aws/creds.h"

struct iam_config;
struct aws_error;

/*
 * Resolve the source credentials (before cfg->role_arn). 0 or -errno with err set.
 * A profile named in the config ([aws] profile) is an explicit choice and skips the
 * environment keys (as boto3's Session(profile_name=...)); AWS_PROFILE does not.
 */
int creds_resolve(const struct iam_config *cfg, struct aws_creds *out, struct aws_error *err);

/* Individual providers. Each returns 0, -ENOENT when not configured/available
 * (the chain goes on), or another -errno with err set (the chain stops). */
int creds_from_env(struct aws_creds *out, struct aws_error *err);
int creds_from_profile(const struct iam_config *cfg, struct aws_creds *out, struct aws_error *err);
int creds_from_container(const struct iam_config *cfg, struct aws_creds *out,
			 struct aws_error *err);
int creds_from_imds(const struct iam_config *cfg, struct aws_creds *out, struct aws_error *err);

/* Parsing helpers, exposed for unit tests. */

/* One profile's settings from the shared files. Strings malloc'd; secrets zeroed by free. */
struct aws_profile {
	char *access_key, *secret_key, *session_token;
	char *role_arn, *source_profile, *credential_source, *external_id, *role_session_name;
};
void profile_free(struct aws_profile *p);
/*
 * Read profile `name` from a credentials file (sections "[name]") and a config
 * file (sections "[profile name]", or "[default]"). Either path may be NULL or
 * missing. Credentials-file values win. Returns 0, -ENOENT when neither file has
 * the profile, or -errno (unreadable, oversized, malformed line) with err set.
 */
int profile_load(const char *credentials_path, const char *config_path, const char *name,
		 struct aws_profile *out, struct aws_error *err);

/* Parse the JSON of container/IMDS credentials. 0 or -EBADMSG with err set. */
int creds_parse_json(const char *json, size_t len, const char *source, struct aws_creds *out,
		     struct aws_error *err);

#endif
