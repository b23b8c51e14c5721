/*
 * The S3 object calls fleet mode needs, on the signed transport: GET with
 * If-None-Match (a 304 costs no body), PUT with If-Match / If-None-Match: *
 * (two writers never interleave), optional SSE-KMS. Path-style URLs for an
 * explicit [aws] s3_endpoint (moto, VPC interface endpoints), virtual-hosted
 * https://BUCKET.s3.REGION.amazonaws.com otherwise.
 */
#ifndef IAM_S3_H
#define IAM_S3_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_error.h"
#include "aws/transport.h"

struct s3_object {
	bool not_modified; /* 304: body NULL, etag unchanged */
	char *body;	   /* NUL-terminated beyond len; caller frees with s3_object_free */
	size_t len;
	char etag[130]; /* quoted, as S3 sends it */
};

/*
 * GET s3://bucket/key. if_none_match: an ETag or NULL. The body may not exceed
 * max bytes (-E2BIG). 0 (200 or 304), -ENOENT (no such key), -EACCES, -errno.
 */
int s3_get_object(struct aws_client *c, const char *bucket, const char *key,
		  const char *if_none_match, size_t max, struct s3_object *out,
		  struct aws_error *err);

/*
 * PUT body as s3://bucket/key. if_match: only over this ETag; create_only:
 * only if there is no such key (If-None-Match: *). kms_key: SSE-KMS with this
 * key, or NULL. The new ETag into etag (n bytes). 0, -EALREADY when the
 * condition failed (412: someone else wrote first), -EACCES, -errno.
 */
int s3_put_object(struct aws_client *c, const char *bucket, const char *key, const void *body,
		  size_t len, const char *content_type, const char *if_match, bool create_only,
		  const char *kms_key, char *etag, size_t n, struct aws_error *err);

void s3_object_free(struct s3_object *o);

/* DELETE s3://bucket/key. 0 (also when there was none: S3 says 204), -EACCES, -errno. */
int s3_delete_object(struct aws_client *c, const char *bucket, const char *key,
		     struct aws_error *err);

struct s3_listed {
	char *key; /* as S3 lists it (decoded), starts with the prefix asked for */
	char etag[130];
};

struct s3_listing {
	struct s3_listed *items;
	size_t n;
};

/*
 * ListObjectsV2 of every key under prefix, all pages, at most max keys
 * (-E2BIG beyond). 0, -EACCES, -ENOENT (no bucket), -EBADMSG, -errno.
 */
int s3_list_objects(struct aws_client *c, const char *bucket, const char *prefix, size_t max,
		    struct s3_listing *out, struct aws_error *err);
void s3_listing_free(struct s3_listing *l);

/* One answer page into l (for the fuzz target); next gets the continuation token or "". */
int s3_parse_list_page(const char *body, size_t len, const char *prefix, struct s3_listing *l,
		       size_t max, char *next, size_t nn, struct aws_error *err);

/* Bucket names S3 accepts and keys that need no encoding in a signed path. */
bool s3_bucket_ok(const char *bucket);
bool s3_key_ok(const char *key);

#endif
