/*
 * STS calls on top of the transport: GetCallerIdentity (whoami, doctor) and
 * AssumeRole (the client's role_arn and the chain's role profiles; this is
 * the only place that assumes a role).
 */
#ifndef IAM_STS_H
#define IAM_STS_H

#include "aws/aws_error.h"
#include "aws/creds.h"
#include "aws/transport.h"

struct iam_config;

struct sts_identity {
	char *account;
	char *arn;
	char *user_id;
};

int sts_get_caller_identity(struct aws_client *c, struct sts_identity *out, struct aws_error *err);
void sts_identity_free(struct sts_identity *id);

/*
 * STS AssumeRole with client c. external_id may be NULL; session_name NULL means
 * "iam-login". *out gets the role's temporary credentials; *assumed_arn (may be
 * NULL) the AssumedRoleUser ARN. 0 or -errno with err set.
 */
int sts_assume_role(struct aws_client *c, const char *role_arn, const char *external_id,
		    const char *session_name, struct aws_creds *out, char **assumed_arn,
		    struct aws_error *err);

/* The same, signed with src (cfg gives the STS endpoint, region and timeouts). */
int sts_assume_role_as(const struct iam_config *cfg, const struct aws_creds *src,
		       const char *role_arn, const char *external_id, const char *session_name,
		       struct aws_creds *out, char **assumed_arn, struct aws_error *err);

#endif
