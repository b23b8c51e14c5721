/* "s3://BUCKET/PREFIX" as the config names a place for bundles (config.c validated it). */
#ifndef IAM_S3URL_H
#define IAM_S3URL_H

#include <stddef.h>

#include "base/error.h"

struct s3_location {
	char bucket[64];
	char key[1100]; /* PREFIX/NAME, or NAME without a prefix */
};

/* The object NAME under url's prefix. 0, or -EINVAL with err set. */
int s3_location_parse(const char *url, const char *name, struct s3_location *out,
		      struct iam_err *err);

#endif
