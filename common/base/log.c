#include "base/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

void log_audit(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(LOG_AUTHPRIV | (prio & LOG_PRIMASK), fmt, ap);
	va_end(ap);
}

char *log_clean(char *dst, size_t n, const char *src)
{
	size_t i = 0;

	if (n == 0)
		return dst;
	for (; src && *src && i + 1 < n; src++) {
		unsigned char c = (unsigned char)*src;
		/* Quotes and backslashes too, so a quoted field cannot be closed early. */
		bool printable = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
		dst[i++] = printable ? (char)c : '?';
	}
	dst[i] = '\0';
	return dst;
}
