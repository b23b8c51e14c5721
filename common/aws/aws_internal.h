/* Between aws.c, creds*.c and sts_api.c only; not part of the public interface. */
#ifndef IAM_AWS_INTERNAL_H
#define IAM_AWS_INTERNAL_H

#include "aws/aws.h"
#include "aws/creds.h"

/* A client that signs with exactly these credentials (no chain, no AssumeRole). */
int aws_client_new_with_creds(const struct iam_config *cfg, const struct aws_creds *creds,
			      struct aws_client **out, struct aws_error *err);

/*
 * STS AssumeRole with client c. external_id may be NULL; session_name NULL means
 * "iam-login". *out gets the role's temporary credentials; *assumed_arn (may be
 * NULL) the AssumedRoleUser ARN. 0 or -errno with err set.
 */
int sts_assume_role(struct aws_client *c, const char *role_arn, const char *external_id,
		    const char *session_name, struct aws_creds *out, char **assumed_arn,
		    struct aws_error *err);

/* AssumeRole using src as the caller's credentials. */
int creds_assume_role(const struct iam_config *cfg, const struct aws_creds *src,
		      const char *role_arn, const char *external_id, const char *session_name,
		      struct aws_creds *out, char **assumed_arn, struct aws_error *err);

/* Validate (shape, printable, bounded) and copy credentials into out. */
int creds_set_validated(struct aws_creds *out, const char *ak, const char *sk, const char *tok,
			const char *source, struct aws_error *err);

#endif
