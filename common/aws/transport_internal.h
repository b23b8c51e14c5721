/* The signed transport's client, shared by transport.c (Query API) and rest.c (REST/JSON). */
#ifndef IAM_TRANSPORT_INTERNAL_H
#define IAM_TRANSPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_error.h"
#include "aws/creds.h"
#include "aws/transport.h"

struct aws_client {
	char *region;
	char *iam_endpoint;
	char *sts_endpoint;
	char *s3_endpoint; /* NULL: virtual-hosted https://BUCKET.s3.REGION.amazonaws.com */
	char *kms_endpoint;
	char *dynamodb_endpoint;
	long connect_timeout_ms;
	long timeout_ms;
	long overall_deadline_ms; /* monotonic ms; 0: none beyond timeout_ms per call */
	unsigned max_retries;
	struct aws_creds_source src; /* load == NULL: fixed credentials, never renewed */
	struct aws_creds creds;	     /* what requests are signed with */
	char *assumed_arn;	     /* AssumedRoleUser ARN when a role was assumed */
	struct aws_stats stats;
};

long aws_now_ms(void);
/* When a call starting now must be done: timeout_ms, or the overall deadline if sooner. */
long aws_client_deadline(const struct aws_client *c);
int aws_client_load_creds(struct aws_client *c, struct aws_error *err);
bool aws_retryable_status(long s);
/* Does an XML answer end with the closing tag of its root element? */
bool aws_xml_answer_complete(const char *body, size_t len);
/* host[:port] and path of url. 0 or -EINVAL. */
int aws_split_url(const char *url, char *host, size_t hn, char *path, size_t pn);

#endif
