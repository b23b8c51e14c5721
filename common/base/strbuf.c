#include "base/strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/wipe.h"

void strbuf_init(struct strbuf *sb, size_t max)
{
	memset(sb, 0, sizeof(*sb));
	sb->max = max;
}

static int grow(struct strbuf *sb, size_t add)
{
	size_t need, cap;
	char *n;

	if (sb->err)
		return sb->err;
	if (add > (size_t)-1 / 2 - sb->len - 1)
		return sb->err = -E2BIG;
	need = sb->len + add + 1;
	if (sb->max && need > sb->max + 1)
		return sb->err = -E2BIG;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	if (sb->max && cap > sb->max + 1)
		cap = sb->max + 1;
	n = malloc(cap);
	if (!n)
		return sb->err = -ENOMEM;
	if (sb->buf) {
		memcpy(n, sb->buf, sb->len + 1);
		wipe_free(sb->buf, sb->cap);
	}
	sb->buf = n;
	sb->cap = cap;
	return 0;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	int r = grow(sb, len);

	if (r < 0)
		return r;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_adds(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addc(struct strbuf *sb, char c)
{
	return strbuf_add(sb, &c, 1);
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return sb->err = -EINVAL;
	r = grow(sb, (size_t)n);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *b;

	if (sb->err) {
		strbuf_free(sb);
		return NULL;
	}
	if (!sb->buf && grow(sb, 0) < 0)
		return NULL;
	sb->buf[sb->len] = '\0';
	b = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return b;
}

void strbuf_free(struct strbuf *sb)
{
	wipe_free(sb->buf, sb->cap);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}
