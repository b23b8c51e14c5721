/*
 * One HTTP exchange over libcurl with hard bounds: connect timeout, overall
 * deadline, response size cap, no redirects, TLS verification always on, plain
 * http only where the caller's endpoint policy allows it (see http_endpoint_ok).
 */
#ifndef IAM_HTTP_H
#define IAM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

#define HTTP_DEFAULT_MAX_RESPONSE (16u * 1024 * 1024)

struct http_request {
	const char *method; /* "GET", "POST", "PUT" */
	const char *url;
	const char *const *headers; /* "Name: value", NULL-terminated; may be NULL */
	const void *body;
	size_t body_len;
	long connect_timeout_ms;
	long timeout_ms;     /* whole exchange; must be > 0 */
	size_t max_response; /* 0: HTTP_DEFAULT_MAX_RESPONSE */
};

struct http_response {
	long status; /* 0 when no answer */
	char *body;  /* NUL-terminated, caller frees with http_response_free */
	size_t len;
	char etag[130];	    /* the ETag header, "" when absent or not a plain quoted token */
	struct iam_err err; /* transport error description */
};

/* curl_global_init exactly once (pthread_once). 0 or -EIO. */
int http_global_init(void);

/*
 * Perform req. Returns 0 when an HTTP answer arrived (any status, see
 * resp->status), -ETIMEDOUT when the deadline passed, -E2BIG when the answer
 * exceeded max_response, -EPROTO for a refused scheme, -EKEYREJECTED when the
 * server's TLS certificate did not verify, -EIO for other transport
 * errors (resp->err tells).
 */
int http_perform(const struct http_request *req, struct http_response *resp);
void http_response_free(struct http_response *resp);

/* True when url's host is a loopback address (127.0.0.0/8, ::1, localhost). */
bool http_url_is_loopback(const char *url);

/*
 * Endpoint policy: https always; http only for loopback hosts, or for any host
 * when allow_any_http (the instance metadata service is plain HTTP by design).
 * 0 or -EINVAL with a reason in err (may be NULL).
 */
int http_endpoint_ok(const char *url, bool allow_any_http, struct iam_err *err);

#endif
