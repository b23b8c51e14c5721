/* The STS answer parsers, for sts.c and the fuzz target only. 0 or -errno, err set. */
#ifndef IAM_STS_INTERNAL_H
#define IAM_STS_INTERNAL_H

#include <stddef.h>

#include "aws/sts.h"

int sts_parse_caller_identity(const char *body, size_t len, struct sts_identity *out,
			      struct aws_error *err);
/* Credentials are validated; *assumed_arn (may be NULL) is malloc'd. The tree's
 * copy of the secret is wiped; the caller wipes body. */
int sts_parse_assume_role(const char *body, size_t len, struct aws_creds *out, char **assumed_arn,
			  struct aws_error *err);

#endif
