/* The credential value: copy, clear, expiry, validation of what providers hand in. */
#include "aws/creds.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/aws_error.h"
#include "base/file.h"
#include "base/wipe.h"

void creds_clear(struct aws_creds *c)
{
	wipe_free_str(c->access_key);
	wipe_free_str(c->secret_key);
	wipe_free_str(c->session_token);
	memset(c, 0, sizeof(*c));
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	memset(dst, 0, sizeof(*dst));
	if (dup_opt(&dst->access_key, src->access_key) < 0 ||
	    dup_opt(&dst->secret_key, src->secret_key) < 0 ||
	    dup_opt(&dst->session_token, src->session_token) < 0) {
		creds_clear(dst);
		return -ENOMEM;
	}
	dst->expiration = src->expiration;
	memcpy(dst->source, src->source, sizeof(dst->source));
	return 0;
}

bool creds_expiring(const struct aws_creds *c, time_t now, long margin)
{
	return c->expiration != 0 && c->expiration - now <= margin;
}

int creds_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *p;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (!s)
		return -EINVAL;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') /* fractional seconds */
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return -EINVAL;
	t = timegm(&tm);
	/* an expiry is a time after 1970: 0 would mean "never expires" to
	 * creds_expiring, a negative one a renewal on every request (fuzz_sts) */
	if (t <= 0)
		return -EINVAL;
	*out = t;
	return 0;
}

/* Access key ids are short alphanumerics (emulators add '-' or '_'); nothing else may
 * reach the Authorization header. */
static bool plausible_key_id(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return n >= 4 && n <= 128;
}

static bool printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; s && *s; s++, n++)
		if (!isgraph((unsigned char)*s) || n >= max)
			return false;
	return n > 0;
}

int creds_set_validated(struct aws_creds *out, const char *ak, const char *sk, const char *tok,
			const char *source, struct aws_error *err)
{
	if (!plausible_key_id(ak) || !printable(sk, 256) ||
	    (tok && *tok && !printable(tok, 8192))) {
		aws_error_set(err, "InvalidCredentials", "%s credentials are malformed", source);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (dup_opt(&out->access_key, ak) < 0 || dup_opt(&out->secret_key, sk) < 0 ||
	    dup_opt(&out->session_token, tok && *tok ? tok : NULL) < 0) {
		creds_clear(out);
		aws_error_set(err, "NoMemory", "out of memory");
		return -ENOMEM;
	}
	snprintf(out->source, sizeof(out->source), "%s", source);
	return 0;
}
