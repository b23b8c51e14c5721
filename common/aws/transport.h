/*
 * The signed transport: one IAM or STS Query API call, signed with SigV4,
 * POSTed over HTTP, retried with backoff. It signs with the credentials its
 * source gives it and knows nothing of where they come from (creds_chain.h)
 * or of roles (sts.h).
 */
#ifndef IAM_TRANSPORT_H
#define IAM_TRANSPORT_H

#include <stddef.h>

#include "aws/aws_error.h"
#include "aws/creds.h"

struct iam_config;

enum aws_service { AWS_SVC_IAM, AWS_SVC_STS };

struct aws_client;

/* Counters, for sync summaries and tests. */
struct aws_stats {
	unsigned requests; /* HTTP requests sent, retries included */
	unsigned retries;
	unsigned throttled;
};

/*
 * A client for cfg's region, endpoints, timeouts and retries (cfg may be NULL;
 * it is not kept) that signs with what src loads, now and whenever the
 * credentials near expiry. The client owns src->ctx from this call on, also
 * when it fails. 0 or -errno with err set.
 */
int aws_transport_new(const struct iam_config *cfg, const struct aws_creds_source *src,
		      struct aws_client **out, struct aws_error *err);

/* A client that signs with a copy of exactly these credentials, never renewed. */
int aws_transport_new_fixed(const struct iam_config *cfg, const struct aws_creds *creds,
			    struct aws_client **out, struct aws_error *err);

void aws_client_free(struct aws_client *c);

/*
 * Perform one Query API action. params is a NULL-terminated list of unencoded
 * key, value pairs, e.g. {"Action","ListUsers","Version","2010-05-08","Marker",m,NULL}.
 * Retries throttling, 429/5xx and transport errors with backoff within the
 * client's overall deadline. On success returns 0 and *body (NUL-terminated,
 * caller frees, bounded in size) holds the XML answer. On an AWS error returns
 * -EIO (-EACCES for AccessDenied/AccessDeniedException/UnauthorizedOperation,
 * -ENOENT for NoSuchEntity, -ETIMEDOUT when the deadline passed) and err tells.
 */
int aws_query(struct aws_client *c, enum aws_service svc, const char *const *params, char **body,
	      size_t *body_len, struct aws_error *err);

/* The ARN of the source identity when a role was assumed, else NULL. */
const char *aws_client_assumed_role_arn(const struct aws_client *c);

const struct aws_stats *aws_client_stats(const struct aws_client *c);

/*
 * One deadline for everything the client does from now on (a whole sync or
 * publish: many calls, retries included), on top of each call's own timeout.
 * 0 removes it.
 */
void aws_client_set_deadline(struct aws_client *c, long ms_from_now);

/* One REST or JSON call (S3, KMS, DynamoDB), signed, retried like aws_query. */
struct aws_rest_request {
	const char *service;	    /* signing name: "s3", "kms", "dynamodb" */
	const char *base_url;	    /* scheme://host[:port], no path */
	const char *method;	    /* "GET", "PUT", "POST" */
	const char *path;	    /* "/..." needing no percent-encoding (callers check) */
	const char *query;	    /* canonical query string or NULL */
	const char *const *headers; /* extra "Name: value", signed; NULL-terminated or NULL */
	const void *body;
	size_t body_len;
	size_t max_response; /* 0: 16 MiB */
};

struct aws_rest_response {
	long status; /* 2xx or 304 */
	char *body;  /* NUL-terminated, caller frees */
	size_t len;
	char etag[130];
};

/*
 * 0 for a 2xx or 304 answer (out filled). Errors: -ENOENT (404), -EALREADY
 * (412 PreconditionFailed), -EACCES (403 / AccessDenied), -ETIMEDOUT, -EIO;
 * err says what AWS said. Retries 429/5xx, throttling (SlowDown included),
 * transport errors and a 2xx body cut short.
 */
int aws_rest(struct aws_client *c, const struct aws_rest_request *rq, struct aws_rest_response *out,
	     struct aws_error *err);
void aws_rest_response_free(struct aws_rest_response *r);

/* The endpoints the config chose (s3: NULL for AWS's virtual-hosted default). */
const char *aws_client_s3_endpoint(const struct aws_client *c);
const char *aws_client_kms_endpoint(const struct aws_client *c);
const char *aws_client_dynamodb_endpoint(const struct aws_client *c);
const char *aws_client_region(const struct aws_client *c);

#endif
