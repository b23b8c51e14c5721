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

#endif
