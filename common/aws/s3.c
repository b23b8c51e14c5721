#include "aws/s3.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool s3_bucket_ok(const char *b)
{
	size_t n = b ? strlen(b) : 0;

	return n >= 3 && n <= 63 && strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n &&
	       isalnum((unsigned char)b[0]) && isalnum((unsigned char)b[n - 1]) && !strstr(b, "..");
}

bool s3_key_ok(const char *k)
{
	size_t n = k ? strlen(k) : 0;

	/* the characters SigV4 and S3 leave as they are: what is signed is what is sent */
	return n > 0 && n <= 1024 && k[0] != '/' && !strstr(k, "//") && !strstr(k, "..") &&
	       strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-") == n;
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
