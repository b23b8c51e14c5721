/*
 * What went wrong in an AWS exchange, for people: "Code: Message (RequestId ...)".
 * A leaf: libc only, so every layer of the client can fill one in.
 */
#ifndef IAM_AWS_ERROR_H
#define IAM_AWS_ERROR_H

#include <stddef.h>

struct aws_error {
	int http_status; /* 0 when no HTTP answer (transport error) */
	char code[64];	 /* AWS error code, or our own: "Transport", "Timeout", ... */
	char message[512];
	char request_id[80];
};

/* "Code: Message (HTTP n, RequestId r)" into buf. Returns buf. */
const char *aws_error_str(const struct aws_error *err, char *buf, size_t n);

/* Set err's code and message (printf-style message). err may be NULL. */
void aws_error_set(struct aws_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
