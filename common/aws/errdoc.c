#include "aws/errdoc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "aws/xml.h"

bool aws_error_is_throttling(const struct aws_error *err)
{
	static const char *const codes[] = {"Throttling",	    "ThrottlingException",
					    "RequestLimitExceeded", "TooManyRequestsException",
					    "RequestThrottled",	    "SlowDown"};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(err->code, codes[i]) == 0)
			return true;
	return false;
}

static void copy_clean(char *dst, size_t n, const char *src)
{
	size_t i, o = 0;

	for (i = 0; src && src[i] && o + 1 < n; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[o++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	dst[o] = '\0';
}

void aws_error_from_answer(const char *body, size_t len, long status, struct aws_error *err)
{
	struct xml_node *root = NULL;
	const struct xml_node *e = NULL;
	const char *code = NULL, *msg = NULL, *rid = NULL;

	err->http_status = (int)status;
	err->request_id[0] = '\0';
	if (body && len && xml_parse(body, len, NULL, &root, NULL) == 0) {
		e = xml_child(root, "Error");
		if (!e)
			e = xml_path(root, "Errors/Error");
		if (strcmp(root->name, "Error") == 0)
			e = root;
		code = xml_path_text(e, "Code");
		msg = xml_path_text(e, "Message");
		rid = xml_path_text(root, "RequestId");
		if (!rid)
			rid = xml_path_text(root, "RequestID");
	}
	if (code && *code) {
		copy_clean(err->code, sizeof(err->code), code);
		copy_clean(err->message, sizeof(err->message), msg ? msg : "");
	} else {
		snprintf(err->code, sizeof(err->code), "HTTP%ld", status);
		snprintf(err->message, sizeof(err->message), "HTTP status %ld without an AWS error",
			 status);
	}
	copy_clean(err->request_id, sizeof(err->request_id), rid);
	xml_free(root);
}

int aws_error_errno(const struct aws_error *err)
{
	if (strcmp(err->code, "AccessDenied") == 0 ||
	    strcmp(err->code, "AccessDeniedException") == 0 ||
	    strcmp(err->code, "UnauthorizedOperation") == 0)
		return -EACCES;
	if (strcmp(err->code, "NoSuchEntity") == 0)
		return -ENOENT;
	return -EIO;
}
