#include "aws/s3.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/xml.h"
#include "base/percent.h"
#include "base/strbuf.h"

bool s3_bucket_ok(const char *b)
{
	size_t n = b ? strlen(b) : 0;

	return n >= 3 && n <= 63 && strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n &&
	       isalnum((unsigned char)b[0]) && isalnum((unsigned char)b[n - 1]) && !strstr(b, "..");
}

bool s3_key_ok(const char *k)
{
	size_t n = k ? strlen(k) : 0;

	/* the characters SigV4 and S3 leave as they are: what is signed is what is sent;
	 * '%' only as an escape (an IAM user name's '@', '+', '=', ',') */
	if (n == 0 || n > 1024 || k[0] == '/' || strstr(k, "//") || strstr(k, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (k[i] == '%') {
			if (!isxdigit((unsigned char)k[i + 1]) ||
			    !isxdigit((unsigned char)k[i + 2]))
				return false;
			i += 2;
		} else if (!strchr(
			       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-",
			       k[i])) {
			return false;
		}
	}
	return true;
}

/* base URL and path for bucket/key: path-style on an explicit endpoint, else virtual-hosted */
static int locate(struct aws_client *c, const char *bucket, const char *key, char *base, size_t bn,
		  char *path, size_t pn, struct aws_error *err)
{
	const char *ep = aws_client_s3_endpoint(c);
	int a, b;

	if (!s3_bucket_ok(bucket) || !s3_key_ok(key)) {
		aws_error_set(err, "InvalidRequest", "refused S3 location %.64s/%.200s", bucket,
			      key);
		return -EINVAL;
	}
	if (ep) {
		size_t l = strlen(ep);

		while (l && ep[l - 1] == '/')
			l--;
		a = snprintf(base, bn, "%.*s", (int)l, ep);
		b = snprintf(path, pn, "/%s/%s", bucket, key);
	} else {
		const char *region = aws_client_region(c);

		/* a dotted bucket does not match the *.s3 wildcard certificate */
		if (strchr(bucket, '.')) {
			a = snprintf(base, bn, "https://s3.%s.amazonaws.com", region);
			b = snprintf(path, pn, "/%s/%s", bucket, key);
		} else {
			a = snprintf(base, bn, "https://%s.s3.%s.amazonaws.com", bucket, region);
			b = snprintf(path, pn, "/%s", key);
		}
	}
	if (a < 0 || (size_t)a >= bn || b < 0 || (size_t)b >= pn) {
		aws_error_set(err, "InvalidRequest", "S3 URL too long");
		return -EINVAL;
	}
	return 0;
}

void s3_object_free(struct s3_object *o)
{
	free(o->body);
	o->body = NULL;
	o->len = 0;
}

int s3_get_object(struct aws_client *c, const char *bucket, const char *key,
		  const char *if_none_match, size_t max, struct s3_object *out,
		  struct aws_error *err)
{
	char base[400], path[1200], inm[200];
	const char *hdrs[2] = {NULL, NULL};
	struct aws_rest_response resp;
	struct aws_rest_request rq;
	int r;

	memset(out, 0, sizeof(*out));
	r = locate(c, bucket, key, base, sizeof(base), path, sizeof(path), err);
	if (r < 0)
		return r;
	if (if_none_match && *if_none_match) {
		if (strspn(if_none_match, "\"0123456789abcdefABCDEF-") != strlen(if_none_match) ||
		    (size_t)snprintf(inm, sizeof(inm), "If-None-Match: %s", if_none_match) >=
			sizeof(inm)) {
			aws_error_set(err, "InvalidRequest", "refused ETag");
			return -EINVAL;
		}
		hdrs[0] = inm;
	}
	rq = (struct aws_rest_request){.service = "s3",
				       .base_url = base,
				       .method = "GET",
				       .path = path,
				       .headers = hdrs,
				       .max_response = max};
	r = aws_rest(c, &rq, &resp, err);
	if (r < 0)
		return r;
	if (resp.status == 304) {
		aws_rest_response_free(&resp);
		out->not_modified = true;
		snprintf(out->etag, sizeof(out->etag), "%s", if_none_match ? if_none_match : "");
		return 0;
	}
	out->body = resp.body;
	out->len = resp.len;
	memcpy(out->etag, resp.etag, sizeof(out->etag));
	return 0;
}

int s3_put_object(struct aws_client *c, const char *bucket, const char *key, const void *body,
		  size_t len, const char *content_type, const char *if_match, bool create_only,
		  const char *kms_key, char *etag, size_t n, struct aws_error *err)
{
	char base[400], path[1200], cond[200], ctype[200], kms[2200];
	const char *hdrs[6];
	size_t nh = 0;
	struct aws_rest_response resp;
	struct aws_rest_request rq;
	int r;

	if (etag && n)
		etag[0] = '\0';
	r = locate(c, bucket, key, base, sizeof(base), path, sizeof(path), err);
	if (r < 0)
		return r;
	if ((size_t)snprintf(ctype, sizeof(ctype), "Content-Type: %s",
			     content_type ? content_type : "application/octet-stream") >=
	    sizeof(ctype))
		return -EINVAL;
	hdrs[nh++] = ctype;
	if (if_match && *if_match) {
		if (strspn(if_match, "\"0123456789abcdefABCDEF-") != strlen(if_match) ||
		    (size_t)snprintf(cond, sizeof(cond), "If-Match: %s", if_match) >= sizeof(cond))
			return -EINVAL;
		hdrs[nh++] = cond;
	} else if (create_only) {
		hdrs[nh++] = "If-None-Match: *";
	}
	if (kms_key) {
		if (strpbrk(kms_key, "\r\n") ||
		    (size_t)snprintf(kms, sizeof(kms),
				     "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id: %s",
				     kms_key) >= sizeof(kms))
			return -EINVAL;
		hdrs[nh++] = "X-Amz-Server-Side-Encryption: aws:kms";
		hdrs[nh++] = kms;
	}
	hdrs[nh] = NULL;
	rq = (struct aws_rest_request){.service = "s3",
				       .base_url = base,
				       .method = "PUT",
				       .path = path,
				       .headers = hdrs,
				       .body = body,
				       .body_len = len,
				       .max_response = 64 * 1024};
	r = aws_rest(c, &rq, &resp, err);
	if (r < 0)
		return r;
	if (etag && n)
		snprintf(etag, n, "%s", resp.etag);
	aws_rest_response_free(&resp);
	return 0;
}

int s3_delete_object(struct aws_client *c, const char *bucket, const char *key,
		     struct aws_error *err)
{
	char base[400], path[1200];
	struct aws_rest_response resp;
	struct aws_rest_request rq;
	int r;

	r = locate(c, bucket, key, base, sizeof(base), path, sizeof(path), err);
	if (r < 0)
		return r;
	rq = (struct aws_rest_request){.service = "s3",
				       .base_url = base,
				       .method = "DELETE",
				       .path = path,
				       .max_response = 64 * 1024};
	r = aws_rest(c, &rq, &resp, err);
	if (r == 0)
		aws_rest_response_free(&resp);
	return r;
}

void s3_listing_free(struct s3_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].key);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* One page's <Contents> into l; the continuation token into next ("" at the end). */
int s3_parse_list_page(const char *body, size_t len, const char *prefix, struct s3_listing *l,
		       size_t max, char *next, size_t nn, struct aws_error *err)
{
	struct xml_node *root = NULL;
	struct iam_err why = {0};
	const char *trunc, *tok;
	int r = 0;

	next[0] = '\0';
	if (xml_parse(body, len, NULL, &root, &why) < 0 || strcmp(root->name, "ListBucketResult")) {
		xml_free(root);
		aws_error_set(err, "BadAnswer", "ListObjectsV2: not a ListBucketResult");
		return -EBADMSG;
	}
	for (size_t i = 0; i < root->nchildren && r == 0; i++) {
		const struct xml_node *n = root->children[i];
		const char *key, *etag;
		struct s3_listed *grown;

		if (strcmp(n->name, "Contents") != 0)
			continue;
		key = xml_path_text(n, "Key");
		etag = xml_path_text(n, "ETag");
		/* what S3 lists must be what we asked for, and an ETag we can send back */
		if (!key || strncmp(key, prefix, strlen(prefix)) != 0 || strlen(key) > 1024 ||
		    !etag || strlen(etag) >= sizeof(l->items[0].etag) ||
		    strspn(etag, "\"0123456789abcdefABCDEF-") != strlen(etag)) {
			aws_error_set(err, "BadAnswer", "ListObjectsV2: a malformed <Contents>");
			r = -EBADMSG;
			break;
		}
		if (l->n >= max) {
			aws_error_set(err, "TooMany", "ListObjectsV2: more than %zu objects", max);
			r = -E2BIG;
			break;
		}
		grown = realloc(l->items, (l->n + 1) * sizeof(*grown));
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		l->items = grown;
		l->items[l->n].key = strdup(key);
		if (!l->items[l->n].key) {
			r = -ENOMEM;
			break;
		}
		snprintf(l->items[l->n].etag, sizeof(l->items[0].etag), "%s", etag);
		l->n++;
	}
	trunc = xml_path_text(root, "IsTruncated");
	tok = xml_path_text(root, "NextContinuationToken");
	if (r == 0 && trunc && strcmp(trunc, "true") == 0) {
		if (!tok || !*tok || strlen(tok) >= nn) {
			aws_error_set(err, "BadAnswer", "ListObjectsV2: truncated without a token");
			r = -EBADMSG;
		} else {
			snprintf(next, nn, "%s", tok);
		}
	}
	xml_free(root);
	return r;
}

int s3_list_objects(struct aws_client *c, const char *bucket, const char *prefix, size_t max,
		    struct s3_listing *out, struct aws_error *err)
{
	char base[400], path[1200], next[1100] = "";
	struct strbuf q;
	int r, pages = 0;

	memset(out, 0, sizeof(*out));
	/* locate() wants a key: the bucket's root is "/BUCKET/" path-style, "/" hosted */
	r = locate(c, bucket, "x", base, sizeof(base), path, sizeof(path), err);
	if (r < 0)
		return r;
	/* "/BUCKET" path-style (as the SDKs sign it), "/" virtual-hosted */
	path[strlen(path) - 1] = '\0';
	if (strlen(path) > 1)
		path[strlen(path) - 1] = '\0';
	do {
		struct aws_rest_response resp;
		struct aws_rest_request rq;

		/* canonical query: parameters sorted by name */
		strbuf_init(&q, 8192);
		if (next[0]) {
			strbuf_adds(&q, "continuation-token=");
			percent_encode(&q, next, strlen(next), 0);
			strbuf_addc(&q, '&');
		}
		strbuf_adds(&q, "list-type=2&prefix=");
		percent_encode(&q, prefix, strlen(prefix), 0);
		if (q.err) {
			strbuf_free(&q);
			r = -ENOMEM;
			break;
		}
		rq = (struct aws_rest_request){.service = "s3",
					       .base_url = base,
					       .method = "GET",
					       .path = path,
					       .query = q.buf,
					       .max_response = 4 * 1024 * 1024};
		r = aws_rest(c, &rq, &resp, err);
		strbuf_free(&q);
		if (r < 0)
			break;
		r = s3_parse_list_page(resp.body, resp.len, prefix, out, max, next, sizeof(next),
				       err);
		aws_rest_response_free(&resp);
	} while (r == 0 && next[0] && ++pages < 10000);
	if (r < 0)
		s3_listing_free(out);
	return r;
}
