/*
 * aws_query(): sign one Query API call, POST it, retry what AWS says may be
 * retried (throttling, 429/5xx, transport errors) with full-jitter backoff
 * inside one overall deadline, and turn AWS error documents into aws_error.
 */
#include "aws/aws.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "aws/aws_internal.h"
#include "aws/backoff.h"
#include "base/clock.h"
#include "config/config.h"
#include "aws/creds.h"
#include "base/fileutil.h"
#include "aws/http.h"
#include "aws/sigv4.h"
#include "base/strbuf.h"
#include "aws/xml.h"

#define AWS_RESPONSE_MAX (16u * 1024 * 1024)
#define AWS_BODY_MAX (256u * 1024)
#define REFRESH_MARGIN_S 300 /* renew temporary credentials this long before expiry */
#define BACKOFF_BASE_MS 100
#define BACKOFF_CAP_MS 5000

struct aws_client {
	char *region;
	char *iam_endpoint;
	char *sts_endpoint;
	long connect_timeout_ms;
	long timeout_ms;
	unsigned max_retries;
	struct iam_config cfg; /* own copy of the [aws] settings, for renewing credentials */
	unsigned flags;
	bool fixed_creds;	/* made by aws_client_new_with_creds: never re-resolve */
	struct aws_creds creds; /* what requests are signed with */
	char *assumed_arn;	/* AssumedRoleUser ARN when a role was assumed */
	struct aws_stats stats;
};

void aws_error_set(struct aws_error *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

const char *aws_error_str(const struct aws_error *err, char *buf, size_t n)
{
	char extra[160] = "";

	if (!err || !buf || n == 0)
		return buf;
	if (err->http_status && err->request_id[0])
		snprintf(extra, sizeof(extra), " (HTTP %d, RequestId %s)", err->http_status,
			 err->request_id);
	else if (err->http_status)
		snprintf(extra, sizeof(extra), " (HTTP %d)", err->http_status);
	else if (err->request_id[0])
		snprintf(extra, sizeof(extra), " (RequestId %s)", err->request_id);
	snprintf(buf, n, "%s: %s%s", err->code[0] ? err->code : "Error", err->message, extra);
	return buf;
}

const struct aws_stats *aws_client_stats(const struct aws_client *c)
{
	return &c->stats;
}

const char *aws_client_assumed_role_arn(const struct aws_client *c)
{
	return c ? c->assumed_arn : NULL;
}

static long now_ms(void)
{
	return (long)clock_mono_ms();
}

/* IAM is global: it signs in its partition's home region. */
static const char *iam_signing_region(const char *region)
{
	if (region && strncmp(region, "cn-", 3) == 0)
		return "cn-north-1";
	if (region && strncmp(region, "us-gov-", 7) == 0)
		return "us-gov-west-1";
	if (region && strncmp(region, "us-iso-", 7) == 0)
		return "us-iso-east-1";
	return "us-east-1";
}

static char *default_sts(const char *region)
{
	char *s = NULL;

	if (asprintf(&s, "https://sts.%s.amazonaws.com%s", region,
		     strncmp(region, "cn-", 3) == 0 ? ".cn" : "") < 0)
		return NULL;
	return s;
}

static int check_endpoint(const char *name, const char *url, struct aws_error *err)
{
	char why[128];

	if (http_endpoint_ok(url, false, why, sizeof(why)) < 0) {
		aws_error_set(err, "InvalidConfig", "%s %s: %s", name, url, why);
		return -EINVAL;
	}
	return 0;
}

/* Copy the [aws] settings the credential chain needs, so the client outlives cfg. */
static int copy_aws_config(struct iam_config *dst, const struct iam_config *src)
{
	char **const dsts[] = {&dst->region,	    &dst->iam_endpoint,	    &dst->sts_endpoint,
			       &dst->imds_endpoint, &dst->profile,	    &dst->role_arn,
			       &dst->external_id,   &dst->role_session_name};
	const char *const srcs[] = {src->region,	src->iam_endpoint,     src->sts_endpoint,
				    src->imds_endpoint, src->profile,	       src->role_arn,
				    src->external_id,	src->role_session_name};
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->connect_timeout_ms = src->connect_timeout_ms;
	dst->timeout_ms = src->timeout_ms;
	dst->imds_v1_fallback = src->imds_v1_fallback;
	dst->max_retries = src->max_retries;
	for (i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		if (srcs[i] && !(*dsts[i] = strdup(srcs[i])))
			return -ENOMEM;
	}
	return 0;
}

static void free_aws_config(struct iam_config *c)
{
	free(c->region);
	free(c->iam_endpoint);
	free(c->sts_endpoint);
	free(c->imds_endpoint);
	free(c->profile);
	free(c->role_arn);
	free(c->external_id);
	free(c->role_session_name);
	memset(c, 0, sizeof(*c));
}

static int client_alloc(const struct iam_config *cfg, unsigned flags, struct aws_client **out,
			struct aws_error *err)
{
	struct aws_client *c;
	const char *region = cfg && cfg->region ? cfg->region : "us-east-1";

	*out = NULL;
	if (http_global_init() < 0) {
		aws_error_set(err, "Internal", "libcurl initialisation failed");
		return -EIO;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->flags = flags;
	if (cfg) {
		if (copy_aws_config(&c->cfg, cfg) < 0) {
			aws_client_free(c);
			goto nomem;
		}
	} else {
		c->cfg.max_retries = 5;
	}
	c->region = strdup(region);
	c->iam_endpoint =
	    strdup(cfg && cfg->iam_endpoint ? cfg->iam_endpoint : "https://iam.amazonaws.com");
	c->sts_endpoint =
	    cfg && cfg->sts_endpoint ? strdup(cfg->sts_endpoint) : default_sts(region);
	if (!c->region || !c->iam_endpoint || !c->sts_endpoint) {
		aws_client_free(c);
		goto nomem;
	}
	c->connect_timeout_ms = cfg && cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 2000;
	c->timeout_ms = cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
	c->max_retries = c->cfg.max_retries;
	if (check_endpoint("iam_endpoint", c->iam_endpoint, err) < 0 ||
	    check_endpoint("sts_endpoint", c->sts_endpoint, err) < 0) {
		aws_client_free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
nomem:
	aws_error_set(err, "NoMemory", "out of memory");
	return -ENOMEM;
}

int aws_client_new_with_creds(const struct iam_config *cfg, const struct aws_creds *creds,
			      struct aws_client **out, struct aws_error *err)
{
	struct aws_client *c;
	int r = client_alloc(cfg, AWS_CLIENT_NO_ASSUME_ROLE, &c, err);

	if (r < 0)
		return r;
	c->fixed_creds = true;
	if (creds_copy(&c->creds, creds) < 0) {
		aws_client_free(c);
		aws_error_set(err, "NoMemory", "out of memory");
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

int creds_assume_role(const struct iam_config *cfg, const struct aws_creds *src,
		      const char *role_arn, const char *external_id, const char *session_name,
		      struct aws_creds *out, char **assumed_arn, struct aws_error *err)
{
	struct aws_client *sc;
	int r = aws_client_new_with_creds(cfg, src, &sc, err);

	if (r < 0)
		return r;
	r = sts_assume_role(sc, role_arn, external_id, session_name, out, assumed_arn, err);
	aws_client_free(sc);
	return r;
}

/* (Re)load credentials: the chain, then AssumeRole when configured. */
static int client_load_creds(struct aws_client *c, struct aws_error *err)
{
	struct aws_creds src;
	char *arn = NULL;
	int r;

	creds_clear(&c->creds);
	r = creds_resolve(&c->cfg, &src, err);
	if (r < 0)
		return r;
	if (c->cfg.role_arn && *c->cfg.role_arn && !(c->flags & AWS_CLIENT_NO_ASSUME_ROLE)) {
		r = creds_assume_role(&c->cfg, &src, c->cfg.role_arn, c->cfg.external_id,
				      c->cfg.role_session_name, &c->creds, &arn, err);
		creds_clear(&src);
		if (r < 0)
			return r;
		free(c->assumed_arn);
		c->assumed_arn = arn;
		return 0;
	}
	c->creds = src;
	return 0;
}

int aws_client_new(const struct iam_config *cfg, unsigned flags, struct aws_client **out,
		   struct aws_error *err)
{
	struct aws_client *c;
	int r;

	if (err)
		memset(err, 0, sizeof(*err));
	r = client_alloc(cfg, flags, &c, err);
	if (r < 0)
		return r;
	r = client_load_creds(c, err);
	if (r < 0) {
		aws_client_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void aws_client_free(struct aws_client *c)
{
	if (!c)
		return;
	creds_clear(&c->creds);
	free_aws_config(&c->cfg);
	free(c->region);
	free(c->iam_endpoint);
	free(c->sts_endpoint);
	free(c->assumed_arn);
	free(c);
}

/* Form-encode params (SigV4's encoding is a valid application/x-www-form-urlencoded). */
static char *form_body(const char *const *params, size_t *len)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb, AWS_BODY_MAX);
	for (i = 0; params[i] && params[i + 1]; i += 2) {
		char *k = sigv4_uri_encode(params[i], strlen(params[i]), 0);
		char *v = sigv4_uri_encode(params[i + 1], strlen(params[i + 1]), 0);
		if (!k || !v) {
			free(k);
			free(v);
			strbuf_free(&sb);
			return NULL;
		}
		strbuf_addf(&sb, "%s%s=%s", i ? "&" : "", k, v);
		free(k);
		free(v);
	}
	return strbuf_detach(&sb, len);
}

/* "host[:port]" and the path of an endpoint URL, as they go on the wire. */
static int split_url(const char *url, char *host, size_t hn, char *path, size_t pn)
{
	CURLU *u = curl_url();
	char *h = NULL, *port = NULL, *p = NULL;
	int r = -EINVAL;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &p, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT) != CURLUE_OK)
			port = NULL;
		if ((size_t)snprintf(host, hn, "%s%s%s", h, port ? ":" : "", port ? port : "") <
			hn &&
		    (size_t)snprintf(path, pn, "%s", p && *p ? p : "/") < pn)
			r = 0;
	}
	curl_free(h);
	curl_free(port);
	curl_free(p);
	curl_url_cleanup(u);
	return r;
}

static bool is_throttling(const char *code)
{
	static const char *const codes[] = {"Throttling",	    "ThrottlingException",
					    "RequestLimitExceeded", "TooManyRequestsException",
					    "RequestThrottled",	    "SlowDown"};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i]) == 0)
			return true;
	return false;
}

static bool retryable_status(long s)
{
	return s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

static void copy_clean(char *dst, size_t n, const char *src)
{
	size_t i, o = 0;

	for (i = 0; src && src[i] && o + 1 < n; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[o++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	dst[o] = '\0';
}

/* Fill err from an AWS error document (IAM/STS and EC2 shapes), or a generic text. */
static void parse_error(const char *body, size_t len, long status, struct aws_error *err)
{
	struct xml_node *root = NULL;
	const struct xml_node *e = NULL;
	const char *code = NULL, *msg = NULL, *rid = NULL;

	err->http_status = (int)status;
	err->request_id[0] = '\0';
	if (body && len && xml_parse(body, len, NULL, &root, NULL, 0) == 0) {
		e = xml_child(root, "Error");
		if (!e)
			e = xml_path(root, "Errors/Error");
		if (strcmp(root->name, "Error") == 0)
			e = root;
		code = xml_path_text(e, "Code");
		msg = xml_path_text(e, "Message");
		rid = xml_path_text(root, "RequestId");
		if (!rid)
			rid = xml_path_text(root, "RequestID");
	}
	if (code && *code) {
		copy_clean(err->code, sizeof(err->code), code);
		copy_clean(err->message, sizeof(err->message), msg ? msg : "");
	} else {
		snprintf(err->code, sizeof(err->code), "HTTP%ld", status);
		snprintf(err->message, sizeof(err->message), "HTTP status %ld without an AWS error",
			 status);
	}
	copy_clean(err->request_id, sizeof(err->request_id), rid);
	xml_free(root);
}

static int map_error(const struct aws_error *err)
{
	if (strcmp(err->code, "AccessDenied") == 0 ||
	    strcmp(err->code, "AccessDeniedException") == 0 ||
	    strcmp(err->code, "UnauthorizedOperation") == 0)
		return -EACCES;
	if (strcmp(err->code, "NoSuchEntity") == 0)
		return -ENOENT;
	return -EIO;
}

/* One signed POST. 0 with *resp filled when an HTTP answer arrived. */
static int send_once(struct aws_client *c, enum aws_service svc, const char *body, size_t body_len,
		     long remaining_ms, struct http_response *resp)
{
	const char *endpoint = svc == AWS_SVC_IAM ? c->iam_endpoint : c->sts_endpoint;
	const char *region = svc == AWS_SVC_IAM ? iam_signing_region(c->region) : c->region;
	const char *ctype = "application/x-www-form-urlencoded; charset=utf-8";
	char host[300], path[1024], date[SIGV4_AMZ_DATE_LEN + 1];
	struct sigv4_header sh[4];
	struct sigv4_params p;
	struct sigv4_request rq;
	char *authz = NULL, *h_auth = NULL, *h_host = NULL, *h_date = NULL, *h_tok = NULL;
	const char *hdrs[6];
	size_t nh = 0, n = 0;
	int r;

	if (split_url(endpoint, host, sizeof(host), path, sizeof(path)) < 0) {
		snprintf(resp->error, sizeof(resp->error), "bad endpoint URL");
		return -EINVAL;
	}
	sigv4_amz_date((long long)time(NULL), date);
	sh[nh++] = (struct sigv4_header){"Content-Type", ctype};
	sh[nh++] = (struct sigv4_header){"Host", host};
	sh[nh++] = (struct sigv4_header){"X-Amz-Date", date};
	if (c->creds.session_token)
		sh[nh++] = (struct sigv4_header){"X-Amz-Security-Token", c->creds.session_token};
	rq = (struct sigv4_request){.method = "POST",
				    .path = path,
				    .query = NULL,
				    .headers = sh,
				    .nheaders = nh,
				    .payload = body,
				    .payload_len = body_len};
	p = (struct sigv4_params){.access_key = c->creds.access_key,
				  .secret_key = c->creds.secret_key,
				  .region = region,
				  .service = svc == AWS_SVC_IAM ? "iam" : "sts",
				  .amz_date = date};
	r = sigv4_authorization(&rq, &p, &authz);
	if (r < 0) {
		snprintf(resp->error, sizeof(resp->error), "signing failed");
		return r;
	}
	if (asprintf(&h_auth, "Authorization: %s", authz) < 0)
		h_auth = NULL;
	if (asprintf(&h_host, "Host: %s", host) < 0)
		h_host = NULL;
	if (asprintf(&h_date, "X-Amz-Date: %s", date) < 0)
		h_date = NULL;
	if (c->creds.session_token &&
	    asprintf(&h_tok, "X-Amz-Security-Token: %s", c->creds.session_token) < 0)
		h_tok = NULL;
	if (!h_auth || !h_host || !h_date || (c->creds.session_token && !h_tok)) {
		r = -ENOMEM;
		goto out;
	}
	hdrs[n++] = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";
	hdrs[n++] = h_host;
	hdrs[n++] = h_date;
	hdrs[n++] = h_auth;
	if (h_tok)
		hdrs[n++] = h_tok;
	hdrs[n] = NULL;
	{
		struct http_request hr = {.method = "POST",
					  .url = endpoint,
					  .headers = hdrs,
					  .body = body,
					  .body_len = body_len,
					  .connect_timeout_ms = c->connect_timeout_ms,
					  .timeout_ms = remaining_ms,
					  .max_response = AWS_RESPONSE_MAX};
		c->stats.requests++;
		r = http_perform(&hr, resp);
	}
out:
	free(authz);
	free(h_auth);
	free(h_host);
	free(h_date);
	free_secret_str(h_tok);
	return r;
}

int aws_query(struct aws_client *c, enum aws_service svc, const char *const *params, char **body,
	      size_t *body_len, struct aws_error *err)
{
	struct aws_error scratch;
	struct backoff_policy bp = {BACKOFF_BASE_MS, BACKOFF_CAP_MS, c->max_retries};
	long deadline = now_ms() + c->timeout_ms;
	char *form;
	size_t form_len;
	unsigned attempt;
	int r;

	if (!err)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	*body = NULL;
	if (body_len)
		*body_len = 0;
	/* Temporary credentials about to expire are renewed first. */
	if (!c->fixed_creds && creds_expiring(&c->creds, time(NULL), REFRESH_MARGIN_S)) {
		r = client_load_creds(c, err);
		if (r < 0)
			return r;
	}
	form = form_body(params, &form_len);
	if (!form) {
		aws_error_set(err, "Internal", "request too large or out of memory");
		return -ENOMEM;
	}
	for (attempt = 0;; attempt++) {
		struct http_response resp;
		long remaining = deadline - now_ms(), delay;
		bool retry = false;

		if (remaining <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		r = send_once(c, svc, form, form_len, remaining, &resp);
		if (r == 0 && resp.status == 200) {
			*body = resp.body;
			if (body_len)
				*body_len = resp.len;
			break;
		}
		if (r == 0) {
			parse_error(resp.body, resp.len, resp.status, err);
			http_response_free(&resp);
			if (is_throttling(err->code)) {
				c->stats.throttled++;
				retry = true;
			} else {
				retry = retryable_status(resp.status);
			}
			r = map_error(err);
		} else if (r == -ETIMEDOUT) {
			aws_error_set(err, "Timeout", "no answer within %ld ms: %s", c->timeout_ms,
				      resp.error);
			err->http_status = 0;
			break;
		} else if (r == -EIO) {
			aws_error_set(err, "Transport", "%s", resp.error);
			err->http_status = 0;
			retry = true;
		} else {
			/* Not transient: oversized answer, bad certificate, refused URL. */
			aws_error_set(err, r == -E2BIG ? "ResponseTooLarge" : "Transport", "%s",
				      resp.error);
			err->http_status = 0;
			if (r == -EKEYREJECTED || r == -EPROTO)
				r = -EIO;
		}
		if (!retry)
			break;
		delay = backoff_delay(&bp, attempt, deadline - now_ms(), backoff_rand_system, NULL);
		if (delay < 0) {
			/* Keep the last AWS error (e.g. Throttling) so people see why. */
			size_t l = strlen(err->message);
			if (deadline - now_ms() <= 0 || attempt < c->max_retries) {
				snprintf(err->message + l, sizeof(err->message) - l,
					 " (gave up after %u attempts: next retry would pass the "
					 "%ld ms deadline)",
					 attempt + 1, c->timeout_ms);
				r = -ETIMEDOUT;
			} else {
				snprintf(err->message + l, sizeof(err->message) - l,
					 " (gave up after %u attempts)", attempt + 1);
			}
			break;
		}
		c->stats.retries++;
		if (delay > 0) {
			struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		}
	}
	free(form);
	return r;
}
