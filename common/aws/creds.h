/*
 * AWS credentials as a value: access key, secret, session token, expiry.
 * Secrets live in malloc'd strings that creds_clear() zeroes before freeing.
 * Where they come from is the chain's business (creds_chain.h); what signs
 * with them is the transport's (transport.h). This file knows neither.
 */
#ifndef IAM_CREDS_H
#define IAM_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct aws_error;

struct aws_creds {
	char *access_key;
	char *secret_key;    /* secret */
	char *session_token; /* secret; NULL for long-term keys */
	time_t expiration;   /* 0: does not expire */
	char source[32];     /* "env", "profile:NAME", "container", "imds", "assume-role" */
};

/*
 * Where a client gets credentials, at the start and again when they near
 * expiry. load fills *out and sets *assumed_arn to a malloc'd ARN when a role
 * was assumed (else NULL); 0 or -errno with err set. release frees ctx (may be
 * NULL).
 */
struct aws_creds_source {
	int (*load)(void *ctx, struct aws_creds *out, char **assumed_arn, struct aws_error *err);
	void (*release)(void *ctx);
	void *ctx;
};

/* Zero and free every secret; leaves c empty. */
void creds_clear(struct aws_creds *c);
/* Deep copy. 0 or -ENOMEM. */
int creds_copy(struct aws_creds *dst, const struct aws_creds *src);
/* True when c expires within margin seconds of now. */
bool creds_expiring(const struct aws_creds *c, time_t now, long margin);

/*
 * Validate (shape, printable, bounded) and copy credentials into out; every
 * provider goes through here so hostile values never reach a header. tok may
 * be NULL or "". 0, -EINVAL or -ENOMEM with err set.
 */
int creds_set_validated(struct aws_creds *out, const char *ak, const char *sk, const char *tok,
			const char *source, struct aws_error *err);

/* "2026-12-01T10:00:00Z" (fractional seconds allowed) to time_t, after 1970. 0 or -EINVAL. */
int creds_parse_time(const char *s, time_t *out);

#endif
