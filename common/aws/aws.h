/*
 * The AWS client as callers use it: the credential chain (creds_chain.h) and,
 * when the config has role_arn, AssumeRole (sts.h), wired into the signed
 * transport (transport.h). Everything network-facing goes through aws_query().
 */
#ifndef IAM_AWS_H
#define IAM_AWS_H

#include "aws/aws_error.h"
#include "aws/transport.h"

struct iam_config;

/* Flags for aws_client_new(). */
#define AWS_CLIENT_NO_ASSUME_ROLE 0x1 /* use the source credentials even if role_arn is set */

/*
 * Make a client: resolves credentials (SDK order, see creds_chain.h) and, when the
 * config has role_arn, assumes the role; both again when temporary credentials
 * near expiry. Returns 0 or a negative errno with err set.
 */
int aws_client_new(const struct iam_config *cfg, unsigned flags, struct aws_client **out,
		   struct aws_error *err);

#endif
