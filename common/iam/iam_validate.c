/*
 * Validation of what IAM sends: names, ids, dates, and duplicate detection over
 * a finished list. Everything from the network is hostile until checked here.
 */
#include "iam/iam_validate.h"
#include "base/iam_id.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int iam_bad(struct aws_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		snprintf(err->code, sizeof(err->code), "MalformedResponse");
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static bool ascii_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* IAM names: [\w+=,.@-]{1,max}, ASCII only. */
static bool valid_name(const char *s, size_t max)
{
	size_t n = 0;

	if (!s || !*s)
		return false;
	for (; s[n]; n++) {
		if (n >= max)
			return false;
		if (!ascii_alnum((unsigned char)s[n]) && !strchr("_+=,.@-", s[n]))
			return false;
	}
	return true;
}

bool iam_valid_user_name(const char *s)
{
	return valid_name(s, IAM_USER_NAME_MAX);
}

bool iam_valid_group_name(const char *s)
{
	return valid_name(s, IAM_GROUP_NAME_MAX);
}

/* SSHPublicKeyId: an IAM id of at least IAM_SSH_KEY_ID_MIN characters. */
bool iam_valid_ssh_key_id(const char *s)
{
	return iam_id_valid(s) && strlen(s) >= IAM_SSH_KEY_ID_MIN;
}

/* [\w+=/:,.@-]{9,256} */
bool iam_valid_mfa_serial(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++) {
		if (n >= IAM_MFA_SERIAL_MAX)
			return false;
		if (!ascii_alnum((unsigned char)s[n]) && !strchr("_+=/:,.@-", s[n]))
			return false;
	}
	return n >= IAM_MFA_SERIAL_MIN;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return -EINVAL;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

int iam_parse_date(const char *s, time_t *out)
{
	struct tm tm, back;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, nfrac = 0;
	const char *p = s;
	time_t t;

	if (!s)
		return -EINVAL;
	if (digits(&p, 4, &y) || expect(&p, '-') || digits(&p, 2, &mo) || expect(&p, '-') ||
	    digits(&p, 2, &d) || expect(&p, 'T') || digits(&p, 2, &h) || expect(&p, ':') ||
	    digits(&p, 2, &mi) || expect(&p, ':') || digits(&p, 2, &sec))
		return -EINVAL;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9' && nfrac < 9) {
			p++;
			nfrac++;
		}
		if (nfrac == 0)
			return -EINVAL;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if (digits(&p, 2, &oh) || expect(&p, ':') || digits(&p, 2, &om) || oh > 23 ||
		    om > 59)
			return -EINVAL;
	} else {
		return -EINVAL; /* a time without a zone is ambiguous */
	}
	if (*p)
		return -EINVAL;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec == 60 ? 59 : sec; /* a leap second is read as :59 */
	t = timegm(&tm);
	/* timegm normalizes Feb 30 into March: refuse dates that do not exist. */
	if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != mo - 1)
		return -EINVAL;
	t -= (time_t)sign * (oh * 3600 + om * 60);
	*out = t;
	return 0;
}

static int cmp_exact(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_nocase(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The n strings stand every `stride` bytes from *first (a field of an array of
 * structs, or a plain string array). Sort copies of the pointers and report the
 * first string that occurs twice in *dup, or NULL. Returns 0 or -ENOMEM.
 */
static int find_dup(const char *const *first, size_t n, size_t stride, bool nocase,
		    const char **dup)
{
	int (*cmp)(const void *, const void *) = nocase ? cmp_nocase : cmp_exact;
	const char **v;
	size_t i;

	*dup = NULL;
	if (n < 2)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = *(const char *const *)((const char *)first + i * stride);
	qsort(v, n, sizeof(*v), cmp);
	for (i = 1; i < n && !*dup; i++)
		if (cmp(&v[i - 1], &v[i]) == 0)
			*dup = v[i];
	free(v);
	return 0;
}

static int check_unique(const char *what, const char *const *names, const char *const *ids,
			size_t n, size_t stride, struct aws_error *err)
{
	const char *dup;
	int rc;

	rc = find_dup(names, n, stride, true, &dup);
	if (rc == 0 && dup)
		return iam_bad(err, "%s name %.64s appears twice", what, dup);
	if (rc == 0)
		rc = find_dup(ids, n, stride, false, &dup);
	if (rc == 0 && dup)
		return iam_bad(err, "%s id %.64s appears twice", what, dup);
	return rc;
}

int iam_check_unique_users(const struct iam_user *u, size_t n, struct aws_error *err)
{
	if (n < 2)
		return 0;
	return check_unique("user", (const char *const *)&u[0].name, (const char *const *)&u[0].id,
			    n, sizeof(*u), err);
}

int iam_check_unique_groups(const struct iam_group *g, size_t n, struct aws_error *err)
{
	if (n < 2)
		return 0;
	return check_unique("group", (const char *const *)&g[0].name, (const char *const *)&g[0].id,
			    n, sizeof(*g), err);
}

int iam_check_unique_names(char *const *v, size_t n, const char *what, struct aws_error *err)
{
	const char *dup;
	int rc;

	if (n < 2)
		return 0;
	rc = find_dup((const char *const *)v, n, sizeof(*v), true, &dup);
	if (rc == 0 && dup)
		return iam_bad(err, "%s %.64s appears twice", what, dup);
	return rc;
}

int iam_bad_arg(struct aws_error *err, const char *what)
{
	if (err) {
		snprintf(err->code, sizeof(err->code), "InvalidArgument");
		snprintf(err->message, sizeof(err->message), "%s is not valid for IAM", what);
	}
	return -EINVAL;
}
