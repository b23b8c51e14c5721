#include "aws/aws_error.h"

#include <stdarg.h>
#include <stdio.h>

void aws_error_set(struct aws_error *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

const char *aws_error_str(const struct aws_error *err, char *buf, size_t n)
{
	char extra[160] = "";

	if (!err || !buf || n == 0)
		return buf;
	if (err->http_status && err->request_id[0])
		snprintf(extra, sizeof(extra), " (HTTP %d, RequestId %s)", err->http_status,
			 err->request_id);
	else if (err->http_status)
		snprintf(extra, sizeof(extra), " (HTTP %d)", err->http_status);
	else if (err->request_id[0])
		snprintf(extra, sizeof(extra), " (RequestId %s)", err->request_id);
	snprintf(buf, n, "%s: %s%s", err->code[0] ? err->code : "Error", err->message, extra);
	return buf;
}
