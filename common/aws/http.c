#include "aws/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/file.h"
#include "base/wipe.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result;

static void do_global_init(void)
{
	init_result = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

int http_global_init(void)
{
	pthread_once(&init_once, do_global_init);
	return init_result;
}

/* Host part of url (brackets of IPv6 literals removed) into buf. 0 or -EINVAL. */
static int url_host(const char *url, char *buf, size_t n, char *scheme, size_t sn)
{
	CURLU *u = curl_url();
	char *host = NULL, *sch = NULL;
	int r = -EINVAL;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &sch, 0) == CURLUE_OK) {
		size_t l = strlen(host);
		const char *h = host;
		if (l >= 2 && host[0] == '[' && host[l - 1] == ']') {
			h = host + 1;
			l -= 2;
		}
		if (l < n && strlen(sch) < sn) {
			memcpy(buf, h, l);
			buf[l] = '\0';
			snprintf(scheme, sn, "%s", sch);
			r = 0;
		}
	}
	curl_free(host);
	curl_free(sch);
	curl_url_cleanup(u);
	return r;
}

static bool host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

bool http_url_is_loopback(const char *url)
{
	char host[256], scheme[16];

	if (!url || url_host(url, host, sizeof(host), scheme, sizeof(scheme)) < 0)
		return false;
	return host_is_loopback(host);
}

int http_endpoint_ok(const char *url, bool allow_any_http, struct iam_err *err)
{
	char host[256], scheme[16];

	if (!url || url_host(url, host, sizeof(host), scheme, sizeof(scheme)) < 0) {
		return err_set(err, -EINVAL, "not a valid URL");
	}
	if (strcasecmp(scheme, "https") == 0)
		return 0;
	if (strcasecmp(scheme, "http") == 0) {
		if (allow_any_http || host_is_loopback(host))
			return 0;
		return err_set(err, -EINVAL, "plain http is only allowed for loopback endpoints");
	}
	return err_set(err, -EINVAL, "unsupported URL scheme '%s'", scheme);
}

struct sink {
	char *buf;
	size_t len, cap, max;
	bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	if (n > s->max - s->len) {
		s->too_big = true;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *nb;
		while (cap < s->len + n + 1)
			cap *= 2;
		/* Not realloc: credential answers (IMDS, container, STS) hold secrets,
		 * and realloc frees the old block unwiped. */
		nb = malloc(cap);
		if (!nb)
			return 0;
		if (s->buf) {
			memcpy(nb, s->buf, s->len);
			wipe_free(s->buf, s->len);
		}
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

/* Keep the ETag (S3's version token for conditional requests); nothing else is read. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct http_response *resp = ud;
	size_t n = size * nmemb, vlen;
	const char *v;

	if (n < 5 || strncasecmp(ptr, "etag:", 5) != 0)
		return n;
	v = ptr + 5;
	while (v < ptr + n && (*v == ' ' || *v == '\t'))
		v++;
	vlen = (size_t)(ptr + n - v);
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	/* a quoted token of hex digits and '-' (what S3 sends): anything else is dropped,
	 * so it can never smuggle a header into a later request */
	if (vlen >= 3 && vlen < sizeof(resp->etag) && v[0] == '"' && v[vlen - 1] == '"' &&
	    strspn(v + 1, "0123456789abcdefABCDEF-") == vlen - 2) {
		memcpy(resp->etag, v, vlen);
		resp->etag[vlen] = '\0';
	}
	return n;
}

int http_perform(const struct http_request *req, struct http_response *resp)
{
	struct sink sink = {0};
	struct curl_slist *hl = NULL, *t;
	const char *const *h;
	CURL *c;
	CURLcode cc;
	char ebuf[CURL_ERROR_SIZE] = "";
	char host[256], scheme[16];
	int r = 0;

	memset(resp, 0, sizeof(*resp));
	if (req->timeout_ms <= 0) {
		return err_set(&resp->err, -ETIMEDOUT, "deadline passed");
	}
	if (http_global_init() < 0) {
		return err_set(&resp->err, -EIO, "curl_global_init failed");
	}
	if (url_host(req->url, host, sizeof(host), scheme, sizeof(scheme)) < 0 ||
	    (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0)) {
		return err_set(&resp->err, -EPROTO, "refused URL scheme");
	}
	sink.max = req->max_response ? req->max_response : HTTP_DEFAULT_MAX_RESPONSE;
	c = curl_easy_init();
	if (!c)
		return -ENOMEM;
	/* "Expect: 100-continue" would cost a round trip on every POST. */
	hl = curl_slist_append(hl, "Expect:");
	for (h = req->headers; h && *h && hl; h++) {
		t = curl_slist_append(hl, *h);
		if (!t) {
			curl_slist_free_all(hl);
			hl = NULL;
			break;
		}
		hl = t;
	}
	if (!hl) {
		curl_easy_cleanup(c);
		return -ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* never follow: answers are final */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms > 0 && req->connect_timeout_ms < req->timeout_ms
			     ? req->connect_timeout_ms
			     : req->timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink.max);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "iam-login/1.0");
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	/* Loopback and link-local metadata endpoints are never reached through a proxy. */
	if (host_is_loopback(host) || strncmp(host, "169.254.", 8) == 0 ||
	    strcasecmp(host, "fd00:ec2::254") == 0)
		curl_easy_setopt(c, CURLOPT_PROXY, "");
	if (strcmp(req->method, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
		if (!sink.buf) {
			sink.buf = calloc(1, 1);
			if (!sink.buf)
				r = -ENOMEM;
		}
		resp->body = sink.buf;
		resp->len = sink.len;
		sink.buf = NULL;
	} else if (sink.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		r = err_set(&resp->err, -E2BIG, "response larger than %zu bytes", sink.max);
	} else if (cc == CURLE_PEER_FAILED_VERIFICATION) {
		r = err_set(&resp->err, -EKEYREJECTED,
			    "TLS certificate verification failed: %.200s",
			    ebuf[0] ? ebuf : curl_easy_strerror(cc));
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		r = err_set(&resp->err, -ETIMEDOUT, "%s", ebuf[0] ? ebuf : curl_easy_strerror(cc));
	} else {
		r = err_set(&resp->err, -EIO, "%s", ebuf[0] ? ebuf : curl_easy_strerror(cc));
	}
	wipe_free(sink.buf, sink.len); /* a partial answer may hold credentials */
	/* Header copies carry the signature and session token: wipe before freeing. */
	for (t = hl; t; t = t->next)
		wipe_bytes(t->data, strlen(t->data));
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return r;
}

void http_response_free(struct http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}
