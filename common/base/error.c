#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(struct iam_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	/* a cut message is still a message: truncation is fine here */
	if (vsnprintf(e->msg, sizeof(e->msg), fmt, ap) < 0)
		e->msg[0] = '\0';
	va_end(ap);
	return code;
}

void err_clear(struct iam_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->msg[0] = '\0';
}
