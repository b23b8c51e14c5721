/*
 * The AWS client core: credentials, SigV4, HTTP with retries, and one call of
 * the IAM or STS Query API. Everything network-facing goes through aws_query().
 */
#ifndef IAM_AWS_H
#define IAM_AWS_H

#include <stdbool.h>
#include <stddef.h>

struct iam_config;

/* What went wrong, for people: "Code: Message (RequestId ...)". */
struct aws_error {
	int http_status; /* 0 when no HTTP answer (transport error) */
	char code[64];	 /* AWS error code, or our own: "Transport", "Timeout", ... */
	char message[512];
	char request_id[80];
};

enum aws_service { AWS_SVC_IAM, AWS_SVC_STS };

/* Flags for aws_client_new(). */
#define AWS_CLIENT_NO_ASSUME_ROLE 0x1 /* use the source credentials even if role_arn is set */

struct aws_client;

/* Counters, for sync summaries and tests. */
struct aws_stats {
	unsigned requests; /* HTTP requests sent, retries included */
	unsigned retries;
	unsigned throttled;
};

/*
 * Make a client: resolves credentials (SDK order, see creds.h) and, when the
 * config has role_arn, assumes the role. Returns 0 or a negative errno with err set.
 */
int aws_client_new(const struct iam_config *cfg, unsigned flags, struct aws_client **out,
		   struct aws_error *err);
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

/* "Code: Message (HTTP n, RequestId r)" into buf. Returns buf. */
const char *aws_error_str(const struct aws_error *err, char *buf, size_t n);

/* Set err's code and message (printf-style message). */
void aws_error_set(struct aws_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
