/*
 * aws_rest(): the REST (S3) and JSON (KMS, DynamoDB) calls on the signed
 * transport: SigV4 with x-amz-content-sha256 (S3 requires it; the others accept
 * it), the same backoff and deadlines as aws_query, and errors from either an
 * XML <Error> document or a JSON {"__type", "message"}.
 */
#include "aws/transport.h"
#include "aws/transport_internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/backoff.h"
#include "aws/errdoc.h"
#include "aws/http.h"
#include "aws/sigv4.h"
#include "base/error.h"
#include "base/wipe.h"

#define REST_MAX_HEADERS 12
#define REST_RESPONSE_MAX (16u * 1024 * 1024)
#define BACKOFF_BASE_MS 100
#define BACKOFF_CAP_MS 5000
#define REFRESH_MARGIN_S 300

const char *aws_client_s3_endpoint(const struct aws_client *c)
{
	return c->s3_endpoint;
}

const char *aws_client_kms_endpoint(const struct aws_client *c)
{
	return c->kms_endpoint;
}

const char *aws_client_dynamodb_endpoint(const struct aws_client *c)
{
	return c->dynamodb_endpoint;
}

const char *aws_client_region(const struct aws_client *c)
{
	return c->region;
}

void aws_rest_response_free(struct aws_rest_response *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* {"__type":"com.amazonaws...#AccessDeniedException","message":"..."} into err. */
static void error_from_json(const char *body, size_t len, long status, struct aws_error *err)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *type = NULL, *msg = NULL, *hash;

	if (json_is_object(j)) {
		type = json_string_value(json_object_get(j, "__type"));
		msg = json_string_value(json_object_get(j, "message"));
		if (!msg)
			msg = json_string_value(json_object_get(j, "Message"));
	}
	if (type && (hash = strrchr(type, '#')) != NULL)
		type = hash + 1;
	if (type) {
		aws_error_set(err, type, "%.400s", msg ? msg : "");
		/* what AWS sent becomes text we print: no control characters */
		for (char *p = err->code; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		for (char *p = err->message; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		err->http_status = (int)status;
	} else {
		aws_error_from_answer(body, len, status, err);
	}
	json_decref(j);
}

static int rest_errno(const struct aws_error *err, long status)
{
	if (status == 404)
		return -ENOENT;
	if (status == 412)
		return -EALREADY;
	if (status == 403 || strstr(err->code, "AccessDenied"))
		return -EACCES;
	return aws_error_errno(err);
}

/* Split "Name: value" (signed as sent). 0 or -EINVAL. */
static int header_pair(const char *h, char *name, size_t nn, const char **value)
{
	const char *colon = strchr(h, ':');
	size_t n;

	if (!colon || colon == h || (size_t)(colon - h) >= nn)
		return -EINVAL;
	n = (size_t)(colon - h);
	memcpy(name, h, n);
	name[n] = '\0';
	for (*value = colon + 1; **value == ' '; (*value)++)
		;
	return 0;
}

static int send_once(struct aws_client *c, const struct aws_rest_request *rq, long remaining_ms,
		     struct http_response *resp)
{
	char host[300], path[1024], date[SIGV4_AMZ_DATE_LEN + 1], sha[65], url[3000];
	char names[REST_MAX_HEADERS][64];
	struct sigv4_header sh[REST_MAX_HEADERS + 4];
	const char *hdrs[REST_MAX_HEADERS + 6];
	char *authz = NULL, *h_auth = NULL, *h_host = NULL, *h_date = NULL, *h_sha = NULL,
	     *h_tok = NULL;
	struct sigv4_params p;
	struct sigv4_request sr;
	size_t nh = 0, n = 0, nx = 0;
	int r;

	(void)path;
	if (aws_split_url(rq->base_url, host, sizeof(host), path, sizeof(path)) < 0)
		return err_set(&resp->err, -EINVAL, "bad endpoint URL %.200s", rq->base_url);
	if ((size_t)snprintf(url, sizeof(url), "%s%s%s%s", rq->base_url, rq->path,
			     rq->query && *rq->query ? "?" : "",
			     rq->query ? rq->query : "") >= sizeof(url))
		return err_set(&resp->err, -EINVAL, "request URL too long");
	sigv4_amz_date((long long)time(NULL), date);
	sigv4_sha256_hex(rq->body ? rq->body : "", rq->body_len, sha);
	sh[nh++] = (struct sigv4_header){"Host", host};
	sh[nh++] = (struct sigv4_header){"X-Amz-Date", date};
	sh[nh++] = (struct sigv4_header){"X-Amz-Content-Sha256", sha};
	if (c->creds.session_token)
		sh[nh++] = (struct sigv4_header){"X-Amz-Security-Token", c->creds.session_token};
	for (const char *const *h = rq->headers; h && *h; h++) {
		const char *v;

		if (nx == REST_MAX_HEADERS || header_pair(*h, names[nx], sizeof(names[nx]), &v) < 0)
			return err_set(&resp->err, -EINVAL, "bad request header");
		sh[nh++] = (struct sigv4_header){names[nx], v};
		hdrs[n++] = *h;
		nx++;
	}
	sr = (struct sigv4_request){.method = rq->method,
				    .path = rq->path,
				    .query = rq->query,
				    .headers = sh,
				    .nheaders = nh,
				    .payload = rq->body ? rq->body : "",
				    .payload_len = rq->body_len};
	p = (struct sigv4_params){.access_key = c->creds.access_key,
				  .secret_key = c->creds.secret_key,
				  .region = c->region,
				  .service = rq->service,
				  .amz_date = date};
	r = sigv4_authorization(&sr, &p, &authz);
	if (r < 0)
		return err_set(&resp->err, r, "signing failed");
	if (asprintf(&h_auth, "Authorization: %s", authz) < 0)
		h_auth = NULL;
	if (asprintf(&h_host, "Host: %s", host) < 0)
		h_host = NULL;
	if (asprintf(&h_date, "X-Amz-Date: %s", date) < 0)
		h_date = NULL;
	if (asprintf(&h_sha, "X-Amz-Content-Sha256: %s", sha) < 0)
		h_sha = NULL;
	if (c->creds.session_token &&
	    asprintf(&h_tok, "X-Amz-Security-Token: %s", c->creds.session_token) < 0)
		h_tok = NULL;
	if (!h_auth || !h_host || !h_date || !h_sha || (c->creds.session_token && !h_tok)) {
		r = -ENOMEM;
		goto out;
	}
	hdrs[n++] = h_host;
	hdrs[n++] = h_date;
	hdrs[n++] = h_sha;
	hdrs[n++] = h_auth;
	if (h_tok)
		hdrs[n++] = h_tok;
	hdrs[n] = NULL;
	{
		struct http_request hr = {.method = rq->method,
					  .url = url,
					  .headers = hdrs,
					  .body = rq->body,
					  .body_len = rq->body_len,
					  .connect_timeout_ms = c->connect_timeout_ms,
					  .timeout_ms = remaining_ms,
					  .max_response = rq->max_response ? rq->max_response
									   : REST_RESPONSE_MAX};
		c->stats.requests++;
		r = http_perform(&hr, resp);
	}
out:
	free(authz);
	free(h_auth);
	free(h_host);
	free(h_date);
	free(h_sha);
	wipe_free_str(h_tok);
	return r;
}

int aws_rest(struct aws_client *c, const struct aws_rest_request *rq, struct aws_rest_response *out,
	     struct aws_error *err)
{
	struct aws_error scratch;
	struct backoff_policy bp = {BACKOFF_BASE_MS, BACKOFF_CAP_MS, c->max_retries};
	long deadline = aws_client_deadline(c);
	unsigned attempt;
	int r;

	if (!err)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	memset(out, 0, sizeof(*out));
	if (c->src.load && creds_expiring(&c->creds, time(NULL), REFRESH_MARGIN_S)) {
		r = aws_client_load_creds(c, err);
		if (r < 0)
			return r;
	}
	for (attempt = 0;; attempt++) {
		struct http_response resp;
		long remaining = deadline - aws_now_ms(), delay;
		bool retry = false;

		if (remaining <= 0) {
			aws_error_set(err, "Timeout", "deadline passed before the answer");
			r = -ETIMEDOUT;
			break;
		}
		r = send_once(c, rq, remaining, &resp);
		if (r == 0 && ((resp.status >= 200 && resp.status < 300) || resp.status == 304)) {
			out->status = resp.status;
			out->body = resp.body;
			out->len = resp.len;
			memcpy(out->etag, resp.etag, sizeof(out->etag));
			break;
		}
		if (r == 0) {
			error_from_json(resp.body, resp.len, resp.status, err);
			if (!err->code[0] || strcmp(err->code, "Unknown") == 0)
				aws_error_set(err,
					      resp.status == 404   ? "NotFound"
					      : resp.status == 412 ? "PreconditionFailed"
								   : "HTTPError",
					      "HTTP %ld", resp.status);
			err->http_status = (int)resp.status;
			http_response_free(&resp);
			if (aws_error_is_throttling(err)) {
				c->stats.throttled++;
				retry = true;
			} else {
				retry = aws_retryable_status(err->http_status);
			}
			r = rest_errno(err, err->http_status);
		} else if (r == -ETIMEDOUT) {
			aws_error_set(err, "Timeout", "no answer in time: %s", resp.err.msg);
			break;
		} else if (r == -EIO) {
			aws_error_set(err, "Transport", "%s", resp.err.msg);
			retry = true;
		} else {
			aws_error_set(err, r == -E2BIG ? "ResponseTooLarge" : "Transport", "%s",
				      resp.err.msg);
			if (r == -EKEYREJECTED || r == -EPROTO)
				r = -EIO;
		}
		if (!retry)
			break;
		delay =
		    backoff_delay(&bp, attempt, deadline - aws_now_ms(), backoff_rand_system, NULL);
		if (delay < 0) {
			size_t l = strlen(err->message);

			snprintf(err->message + l, sizeof(err->message) - l,
				 " (gave up after %u attempts)", attempt + 1);
			if (deadline - aws_now_ms() <= 0)
				r = -ETIMEDOUT;
			break;
		}
		c->stats.retries++;
		if (delay > 0) {
			struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};

			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		}
	}
	return r;
}
