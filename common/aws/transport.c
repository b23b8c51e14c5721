/*
 * aws_query(): sign one Query API call, POST it, retry what AWS says may be
 * retried (throttling, 429/5xx, transport errors) with full-jitter backoff
 * inside one overall deadline, and turn AWS error documents into aws_error.
 */
#include "aws/transport.h"
#include "aws/transport_internal.h"
#include "base/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "aws/backoff.h"
#include "aws/errdoc.h"
#include "aws/http.h"
#include "aws/sigv4.h"
#include "base/file.h"
#include "base/percent.h"
#include "base/strbuf.h"
#include "config/config.h"
#include "base/wipe.h"

#define AWS_RESPONSE_MAX (16u * 1024 * 1024)
#define AWS_BODY_MAX (256u * 1024)
#define REFRESH_MARGIN_S 300 /* renew temporary credentials this long before expiry */
#define BACKOFF_BASE_MS 100
#define BACKOFF_CAP_MS 5000

const struct aws_stats *aws_client_stats(const struct aws_client *c)
{
	return &c->stats;
}

const char *aws_client_assumed_role_arn(const struct aws_client *c)
{
	return c ? c->assumed_arn : NULL;
}

long aws_now_ms(void)
{
	return (long)clock_mono_ms();
}

void aws_client_set_deadline(struct aws_client *c, long ms_from_now)
{
	c->overall_deadline_ms = ms_from_now > 0 ? aws_now_ms() + ms_from_now : 0;
}

long aws_client_deadline(const struct aws_client *c)
{
	long d = aws_now_ms() + c->timeout_ms;

	if (c->overall_deadline_ms && c->overall_deadline_ms < d)
		d = c->overall_deadline_ms;
	return d;
}

static char *regional(const char *service, const char *region)
{
	char *s = NULL;

	if (asprintf(&s, "https://%s.%s.amazonaws.com%s", service, region,
		     strncmp(region, "cn-", 3) == 0 ? ".cn" : "") < 0)
		return NULL;
	return s;
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
	struct iam_err why;

	if (http_endpoint_ok(url, false, &why) < 0) {
		aws_error_set(err, "InvalidConfig", "%s %s: %s", name, url, why.msg);
		return -EINVAL;
	}
	return 0;
}

static int client_alloc(const struct iam_config *cfg, struct aws_client **out,
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
	c->region = strdup(region);
	c->iam_endpoint =
	    strdup(cfg && cfg->iam_endpoint ? cfg->iam_endpoint : "https://iam.amazonaws.com");
	c->sts_endpoint =
	    cfg && cfg->sts_endpoint ? strdup(cfg->sts_endpoint) : default_sts(region);
	c->s3_endpoint = cfg && cfg->s3_endpoint ? strdup(cfg->s3_endpoint) : NULL;
	c->kms_endpoint =
	    cfg && cfg->kms_endpoint ? strdup(cfg->kms_endpoint) : regional("kms", region);
	c->dynamodb_endpoint = cfg && cfg->dynamodb_endpoint ? strdup(cfg->dynamodb_endpoint)
							     : regional("dynamodb", region);
	if (!c->region || !c->iam_endpoint || !c->sts_endpoint || !c->kms_endpoint ||
	    !c->dynamodb_endpoint || (cfg && cfg->s3_endpoint && !c->s3_endpoint)) {
		aws_client_free(c);
		goto nomem;
	}
	c->connect_timeout_ms = cfg && cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 2000;
	c->timeout_ms = cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
	c->max_retries = cfg ? cfg->max_retries : 5;
	if (check_endpoint("iam_endpoint", c->iam_endpoint, err) < 0 ||
	    check_endpoint("sts_endpoint", c->sts_endpoint, err) < 0 ||
	    (c->s3_endpoint && check_endpoint("s3_endpoint", c->s3_endpoint, err) < 0) ||
	    check_endpoint("kms_endpoint", c->kms_endpoint, err) < 0 ||
	    check_endpoint("dynamodb_endpoint", c->dynamodb_endpoint, err) < 0) {
		aws_client_free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
nomem:
	aws_error_set(err, "NoMemory", "out of memory");
	return -ENOMEM;
}

int aws_transport_new_fixed(const struct iam_config *cfg, const struct aws_creds *creds,
			    struct aws_client **out, struct aws_error *err)
{
	struct aws_client *c;
	int r = client_alloc(cfg, &c, err);

	if (r < 0)
		return r;
	if (creds_copy(&c->creds, creds) < 0) {
		aws_client_free(c);
		aws_error_set(err, "NoMemory", "out of memory");
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

/* (Re)load credentials from the source; the ARN changes only when it names one. */
int aws_client_load_creds(struct aws_client *c, struct aws_error *err)
{
	char *arn = NULL;
	int r;

	creds_clear(&c->creds);
	r = c->src.load(c->src.ctx, &c->creds, &arn, err);
	if (r < 0)
		return r;
	if (arn) {
		free(c->assumed_arn);
		c->assumed_arn = arn;
	}
	return 0;
}

int aws_transport_new(const struct iam_config *cfg, const struct aws_creds_source *src,
		      struct aws_client **out, struct aws_error *err)
{
	struct aws_client *c;
	int r;

	r = client_alloc(cfg, &c, err);
	if (r < 0) {
		if (src->release)
			src->release(src->ctx);
		return r;
	}
	c->src = *src;
	r = aws_client_load_creds(c, err);
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
	if (c->src.release)
		c->src.release(c->src.ctx);
	free(c->region);
	free(c->iam_endpoint);
	free(c->sts_endpoint);
	free(c->s3_endpoint);
	free(c->kms_endpoint);
	free(c->dynamodb_endpoint);
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
		if (i)
			strbuf_addc(&sb, '&');
		percent_encode(&sb, params[i], strlen(params[i]), 0);
		strbuf_addc(&sb, '=');
		percent_encode(&sb, params[i + 1], strlen(params[i + 1]), 0);
	}
	return strbuf_detach(&sb, len);
}

/* "host[:port]" and the path of an endpoint URL, as they go on the wire. */
int aws_split_url(const char *url, char *host, size_t hn, char *path, size_t pn)
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

bool aws_xml_answer_complete(const char *body, size_t len)
{
	const char *p = body, *end = body + len, *name;
	size_t nlen;

	/* skip the declaration and white space to the root element's name */
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		if (end - p >= 2 && p[0] == '<' && p[1] == '?') {
			const char *q = memchr(p, '>', (size_t)(end - p));

			if (!q)
				return false;
			p = q + 1;
			continue;
		}
		break;
	}
	if (p >= end || *p != '<')
		return false;
	name = ++p;
	while (p < end && *p != '>' && *p != ' ' && *p != '/' && *p != '\t' && *p != '\r' &&
	       *p != '\n')
		p++;
	nlen = (size_t)(p - name);
	if (!nlen)
		return false;
	while (end > body &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	{
		/* an empty root, <R/>, is complete when nothing follows it */
		const char *gt = memchr(p, '>', (size_t)(end - p));

		if (gt && gt[-1] == '/' && gt + 1 == end)
			return true;
	}
	/* else the answer ends with its closing tag */
	if ((size_t)(end - body) < nlen + 3 || end[-1] != '>')
		return false;
	return memcmp(end - nlen - 3, "</", 2) == 0 && memcmp(end - nlen - 1, name, nlen) == 0;
}

bool aws_retryable_status(long s)
{
	return s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
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

	if (aws_split_url(endpoint, host, sizeof(host), path, sizeof(path)) < 0) {
		return err_set(&resp->err, -EINVAL, "bad endpoint URL");
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
		return err_set(&resp->err, r, "signing failed");
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
	wipe_free_str(h_tok);
	return r;
}

int aws_query(struct aws_client *c, enum aws_service svc, const char *const *params, char **body,
	      size_t *body_len, struct aws_error *err)
{
	struct aws_error scratch;
	struct backoff_policy bp = {BACKOFF_BASE_MS, BACKOFF_CAP_MS, c->max_retries};
	long deadline = aws_client_deadline(c);
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
	if (c->src.load && creds_expiring(&c->creds, time(NULL), REFRESH_MARGIN_S)) {
		r = aws_client_load_creds(c, err);
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
		long remaining = deadline - aws_now_ms(), delay;
		bool retry = false;

		if (remaining <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		r = send_once(c, svc, form, form_len, remaining, &resp);
		if (r == 0 && resp.status == 200 && !aws_xml_answer_complete(resp.body, resp.len)) {
			/* closed mid-answer without a Content-Length: the rest never came */
			http_response_free(&resp);
			err_set(&resp.err, -EIO, "answer cut short (connection closed mid-body)");
			r = -EIO;
		}
		if (r == 0 && resp.status == 200) {
			*body = resp.body;
			if (body_len)
				*body_len = resp.len;
			break;
		}
		if (r == 0) {
			aws_error_from_answer(resp.body, resp.len, resp.status, err);
			http_response_free(&resp);
			if (aws_error_is_throttling(err)) {
				c->stats.throttled++;
				retry = true;
			} else {
				retry = aws_retryable_status(resp.status);
			}
			r = aws_error_errno(err);
		} else if (r == -ETIMEDOUT) {
			aws_error_set(err, "Timeout", "no answer within %ld ms: %s", c->timeout_ms,
				      resp.err.msg);
			err->http_status = 0;
			break;
		} else if (r == -EIO) {
			aws_error_set(err, "Transport", "%s", resp.err.msg);
			err->http_status = 0;
			retry = true;
		} else {
			/* Not transient: oversized answer, bad certificate, refused URL. */
			aws_error_set(err, r == -E2BIG ? "ResponseTooLarge" : "Transport", "%s",
				      resp.err.msg);
			err->http_status = 0;
			if (r == -EKEYREJECTED || r == -EPROTO)
				r = -EIO;
		}
		if (!retry)
			break;
		delay =
		    backoff_delay(&bp, attempt, deadline - aws_now_ms(), backoff_rand_system, NULL);
		if (delay < 0) {
			/* Keep the last AWS error (e.g. Throttling) so people see why. */
			size_t l = strlen(err->message);
			if (deadline - aws_now_ms() <= 0 || attempt < c->max_retries) {
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
