#include "aws/s3url.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int s3_location_parse(const char *url, const char *name, struct s3_location *out,
		      struct iam_err *err)
{
	const char *b, *slash, *prefix = "";
	size_t blen, plen;
	int n;

	memset(out, 0, sizeof(*out));
	if (!url || strncmp(url, "s3://", 5) != 0)
		return err_set(err, -EINVAL, "%.200s is not s3://BUCKET/PREFIX", url ? url : "");
	b = url + 5;
	slash = strchr(b, '/');
	blen = slash ? (size_t)(slash - b) : strlen(b);
	if (blen < 3 || blen >= sizeof(out->bucket) ||
	    strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") < blen)
		return err_set(err, -EINVAL, "%.200s: invalid bucket name", url);
	memcpy(out->bucket, b, blen);
	if (slash)
		prefix = slash + 1;
	plen = strlen(prefix);
	while (plen && prefix[plen - 1] == '/')
		plen--;
	n = plen ? snprintf(out->key, sizeof(out->key), "%.*s/%s", (int)plen, prefix, name)
		 : snprintf(out->key, sizeof(out->key), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(out->key))
		return err_set(err, -EINVAL, "%.200s: prefix too long", url);
	return 0;
}
