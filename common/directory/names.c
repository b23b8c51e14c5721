/* IAM name -> Linux name (rules in names.h). */
#include "directory/names.h"
#include "base/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool is_iam_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("+=,.@_-", c) != NULL;
}

bool name_is_iam_valid(const char *s)
{
	size_t n = 0;

	if (!s || !*s)
		return false;
	for (; s[n]; n++) {
		if (n >= IAM_NAME_MAX || !is_iam_char(s[n]))
			return false;
	}
	return true;
}

bool name_is_portable(const char *s)
{
	size_t n;

	if (!s || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (n = 1; s[n]; n++) {
		char c = s[n];

		if (n >= LINUX_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

static int set_why(struct iam_err *why, const char *text)
{
	return err_set(why, -EINVAL, "%s", text);
}

/* Lowercase and replace the IAM-only punctuation; src has len bytes. */
static int map_chars(const char *prefix, const char *src, size_t len, char *out, size_t out_n,
		     struct iam_err *why)
{
	char buf[IAM_NAME_MAX + 64];
	size_t plen = strlen(prefix);
	size_t i;

	if (plen + len >= sizeof(buf)) {
		set_why(why, "name too long");
		return -EINVAL;
	}
	memcpy(buf, prefix, plen);
	for (i = 0; i < len; i++) {
		char c = src[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == '+' || c == '=' || c == ',' || c == '@')
			c = '_';
		buf[plen + i] = c;
	}
	buf[plen + len] = '\0';
	if (plen + len > LINUX_NAME_MAX) {
		set_why(why, "longer than 32 characters after mapping");
		return -EINVAL;
	}
	if (!name_is_portable(buf)) {
		set_why(why, "not a portable Linux name after mapping");
		return -EINVAL;
	}
	if (out_n < plen + len + 1) {
		set_why(why, "output buffer too small");
		return -EINVAL;
	}
	memcpy(out, buf, plen + len + 1);
	return 0;
}

int name_map_user(const char *iam_name, const struct str_list *strip_suffixes, char *out,
		  size_t out_n, struct iam_err *why)
{
	size_t len;

	if (!name_is_iam_valid(iam_name)) {
		return set_why(why, "not a valid IAM name");
	}
	len = strlen(iam_name);
	for (size_t i = 0; strip_suffixes && i < strip_suffixes->n; i++) {
		const char *suf = strip_suffixes->items[i];
		size_t sl = suf ? strlen(suf) : 0;

		if (sl == 0 || sl >= len)
			continue;
		if (strcasecmp(iam_name + len - sl, suf) == 0) {
			len -= sl;
			break;
		}
	}
	return map_chars("", iam_name, len, out, out_n, why);
}

int name_map_group(const char *iam_name, const char *prefix, char *out, size_t out_n,
		   struct iam_err *why)
{
	if (!name_is_iam_valid(iam_name)) {
		return set_why(why, "not a valid IAM name");
	}
	return map_chars(prefix ? prefix : "", iam_name, strlen(iam_name), out, out_n, why);
}
