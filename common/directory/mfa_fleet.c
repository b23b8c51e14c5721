/* Fleet MFA formats: enrolment objects and the MFA bundle's payload (mfa_fleet.h). */
#include "directory/mfa_fleet.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "aws/s3url.h"
#include "base/iam_id.h"
#include "base/percent.h"
#include "base/strbuf.h"
#include "base/wipe.h"
#include "iam/iam_validate.h"

#define ENROLMENT_TAG "iam-login-mfa-enrolment-1"

static bool entry_ok(const struct mfa_fleet_entry *e)
{
	return iam_id_valid(e->user_id) && iam_valid_user_name(e->user_name) && e->digits >= 6 &&
	       e->digits <= 8 && e->period >= 1 && e->period <= 3600 && e->secret_len >= 10 &&
	       e->secret_len <= MFA_FLEET_MAX_SECRET;
}

/* A decimal in lo..hi, all of s. */
static int parse_uint(const char *s, size_t len, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 4)
		return -EBADMSG;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EBADMSG;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -EBADMSG;
	*out = (unsigned)v;
	return 0;
}

static int copy_field(char *dst, size_t n, const char *s, size_t len)
{
	if (len == 0 || len >= n || memchr(s, '\0', len))
		return -EBADMSG;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

static int secret_field(struct mfa_fleet_entry *e, const char *s, size_t len)
{
	char hex[2 * MFA_FLEET_MAX_SECRET + 1];
	int r;

	if (len % 2 || len < 20 || len > 2 * MFA_FLEET_MAX_SECRET)
		return -EBADMSG;
	memcpy(hex, s, len);
	hex[len] = '\0';
	r = hex_decode(hex, e->secret, sizeof(e->secret), &e->secret_len);
	wipe(hex);
	return r < 0 ? -EBADMSG : 0;
}

int mfa_enrolment_encode(const struct mfa_fleet_entry *e, char **out, size_t *len)
{
	char hex[2 * MFA_FLEET_MAX_SECRET + 1];
	struct strbuf sb;

	*out = NULL;
	if (!entry_ok(e))
		return -EINVAL;
	hex_encode_lower(e->secret, e->secret_len, hex);
	strbuf_init(&sb, MFA_FLEET_MAX_OBJECT);
	strbuf_addf(&sb, "%s\nuser_name=%s\nuser_id=%s\ndigits=%u\nperiod=%u\nsecret=%s\n",
		    ENROLMENT_TAG, e->user_name, e->user_id, e->digits, e->period, hex);
	wipe(hex);
	if (sb.err) {
		int r = sb.err;
		strbuf_free(&sb);
		return r;
	}
	*out = strbuf_detach(&sb, len);
	return 0;
}

int mfa_enrolment_parse(const char *buf, size_t len, struct mfa_fleet_entry *e, struct iam_err *err)
{
	static const char *const names[] = {"user_name", "user_id", "digits", "period", "secret"};
	const char *p = buf, *end = buf + len;
	size_t tl = strlen(ENROLMENT_TAG);
	int r = 0;

	memset(e->user_id, 0, sizeof(e->user_id));
	memset(e->user_name, 0, sizeof(e->user_name));
	e->secret_len = 0;
	if (len > MFA_FLEET_MAX_OBJECT || len < tl + 1 || memcmp(buf, ENROLMENT_TAG, tl) != 0 ||
	    buf[tl] != '\n')
		return err_set(err, -EBADMSG, "not an iam-login enrolment object");
	p += tl + 1;
	/* exactly these five lines, in this order */
	for (size_t i = 0; i < 5 && r == 0; i++) {
		size_t nl = strlen(names[i]);
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *v;
		size_t vl;

		if (!eol || (size_t)(eol - p) <= nl || memcmp(p, names[i], nl) != 0 || p[nl] != '=')
			return err_set(err, -EBADMSG,
				       "enrolment object: line %zu is not %s=", i + 2, names[i]);
		v = p + nl + 1;
		vl = (size_t)(eol - v);
		switch (i) {
		case 0:
			r = copy_field(e->user_name, sizeof(e->user_name), v, vl);
			break;
		case 1:
			r = copy_field(e->user_id, sizeof(e->user_id), v, vl);
			break;
		case 2:
			r = parse_uint(v, vl, 6, 8, &e->digits);
			break;
		case 3:
			r = parse_uint(v, vl, 1, 3600, &e->period);
			break;
		default:
			r = secret_field(e, v, vl);
		}
		if (r < 0)
			return err_set(err, -EBADMSG, "enrolment object: bad %s", names[i]);
		p = eol + 1;
	}
	if (p != end)
		return err_set(err, -EBADMSG, "enrolment object: bytes after the secret");
	if (!entry_ok(e))
		return err_set(err, -EBADMSG, "enrolment object: invalid user name or id");
	return 0;
}

int mfa_fleet_object_location(const char *url, const char *user_name, char *bucket, size_t bn,
			      char *key, size_t kn, struct iam_err *err)
{
	struct s3_location loc;
	char *enc, name[200];
	int r;

	if (!iam_valid_user_name(user_name))
		return err_set(err, -EINVAL, "not an IAM user name");
	enc = percent_encode_dup(user_name, strlen(user_name), 0);
	if (!enc)
		return err_set(err, -ENOMEM, "out of memory");
	r = snprintf(name, sizeof(name), "%s%s", MFA_FLEET_PREFIX, enc);
	free(enc);
	if (r < 0 || (size_t)r >= sizeof(name))
		return err_set(err, -EINVAL, "user name too long");
	r = s3_location_parse(url, name, &loc, err);
	if (r < 0)
		return r;
	if (strlen(loc.bucket) >= bn || strlen(loc.key) >= kn)
		return err_set(err, -EINVAL, "S3 location too long");
	strcpy(bucket, loc.bucket);
	strcpy(key, loc.key);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct mfa_fleet_entry *)a)->user_id,
		      ((const struct mfa_fleet_entry *)b)->user_id);
}

void mfa_fleet_set_sort(struct mfa_fleet_set *s)
{
	if (s->n)
		qsort(s->e, s->n, sizeof(s->e[0]), cmp_id);
}

int mfa_payload_encode(const struct bundle_info *info, struct mfa_fleet_set *s, char **out,
		       size_t *len)
{
	char hex[2 * MFA_FLEET_MAX_SECRET + 1];
	struct strbuf sb;

	*out = NULL;
	mfa_fleet_set_sort(s);
	for (size_t i = 0; i < s->n; i++) {
		if (!entry_ok(&s->e[i]) || strpbrk(s->e[i].etag, "\t\n"))
			return -EINVAL;
		if (i && strcmp(s->e[i - 1].user_id, s->e[i].user_id) == 0)
			return -EEXIST;
	}
	strbuf_init(&sb, BUNDLE_MFA_MAX_PAYLOAD);
	strbuf_addf(&sb, "%s %.12s %llu %lld\n", BUNDLE_MFA_PAYLOAD_TAG, info->account,
		    (unsigned long long)info->generation, (long long)info->created);
	for (size_t i = 0; i < s->n; i++) {
		const struct mfa_fleet_entry *e = &s->e[i];

		hex_encode_lower(e->secret, e->secret_len, hex);
		strbuf_addf(&sb, "%s\t%s\t%u\t%u\t%s\t%s\n", e->user_id, e->user_name, e->digits,
			    e->period, hex, e->etag);
	}
	wipe(hex);
	if (sb.err) {
		int r = sb.err;
		strbuf_free(&sb);
		return r;
	}
	*out = strbuf_detach(&sb, len);
	return 0;
}

/* One payload line (no LF) into e. */
static int parse_line(const char *p, size_t len, struct mfa_fleet_entry *e)
{
	const char *f[6];
	size_t fl[6], n = 0;
	const char *q = p, *end = p + len;
	int r;

	while (n < 6) {
		const char *tab = n < 5 ? memchr(q, '\t', (size_t)(end - q)) : end;
		if (!tab)
			return -EBADMSG;
		f[n] = q;
		fl[n] = (size_t)(tab - q);
		n++;
		q = tab + 1;
	}
	if (memchr(f[5], '\t', fl[5]))
		return -EBADMSG;
	r = copy_field(e->user_id, sizeof(e->user_id), f[0], fl[0]);
	if (r == 0)
		r = copy_field(e->user_name, sizeof(e->user_name), f[1], fl[1]);
	if (r == 0)
		r = parse_uint(f[2], fl[2], 6, 8, &e->digits);
	if (r == 0)
		r = parse_uint(f[3], fl[3], 1, 3600, &e->period);
	if (r == 0)
		r = secret_field(e, f[4], fl[4]);
	e->etag[0] = '\0';
	if (r == 0 && fl[5] > 0)
		r = copy_field(e->etag, sizeof(e->etag), f[5], fl[5]);
	if (r == 0 && !entry_ok(e))
		r = -EBADMSG;
	return r;
}

int mfa_payload_parse(const char *buf, size_t len, struct mfa_fleet_set *s, struct iam_err *err)
{
	const char *p = memchr(buf, '\n', len), *end = buf + len;
	struct mfa_fleet_entry e;
	size_t line = 1;
	int r = 0;

	memset(s, 0, sizeof(*s));
	if (!p)
		return err_set(err, -EBADMSG, "MFA payload: no header line");
	for (p++; p < end && r == 0; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol) {
			r = err_set(err, -EBADMSG, "MFA payload: line %zu is not terminated",
				    line + 1);
			break;
		}
		memset(&e, 0, sizeof(e));
		if (parse_line(p, (size_t)(eol - p), &e) < 0) {
			r = err_set(err, -EBADMSG, "MFA payload: line %zu is malformed", line + 1);
		} else if (s->n && strcmp(s->e[s->n - 1].user_id, e.user_id) >= 0) {
			r = err_set(err, -EBADMSG, "MFA payload: line %zu is out of order",
				    line + 1);
		} else if (s->n >= MFA_FLEET_MAX_USERS) {
			r = err_set(err, -E2BIG, "MFA payload: too many users");
		} else {
			r = mfa_fleet_set_add(s, &e);
		}
		p = eol + 1;
	}
	wipe(e.secret);
	if (r < 0)
		mfa_fleet_set_free(s);
	return r;
}

int mfa_fleet_set_add(struct mfa_fleet_set *s, const struct mfa_fleet_entry *e)
{
	/* grow by copying, so the old array is wiped, never left to realloc */
	struct mfa_fleet_entry *n = calloc(s->n + 1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	if (s->n)
		memcpy(n, s->e, s->n * sizeof(*n));
	n[s->n] = *e;
	wipe_free(s->e, s->n * sizeof(*n));
	s->e = n;
	s->n++;
	return 0;
}

const struct mfa_fleet_entry *mfa_fleet_set_by_name(const struct mfa_fleet_set *s,
						    const char *user_name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->e[i].user_name, user_name) == 0)
			return &s->e[i];
	return NULL;
}

int mfa_fleet_set_equal(const struct mfa_fleet_set *a, const struct mfa_fleet_set *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct mfa_fleet_entry *x = &a->e[i], *y = &b->e[i];
		if (strcmp(x->user_id, y->user_id) || strcmp(x->user_name, y->user_name) ||
		    x->digits != y->digits || x->period != y->period ||
		    x->secret_len != y->secret_len || memcmp(x->secret, y->secret, x->secret_len))
			return 0;
	}
	return 1;
}

void mfa_fleet_set_free(struct mfa_fleet_set *s)
{
	wipe_free(s->e, s->n * sizeof(*s->e));
	s->e = NULL;
	s->n = 0;
}
