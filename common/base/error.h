/*
 * The one error carrier: a negative errno for code and a sentence for people.
 * Functions that can explain a failure take a struct iam_err * (NULL: the
 * caller wants only the code) and set it where the failure is found, so no
 * caller needs to guess what a bare -EINVAL meant. AWS answers carry more
 * (struct aws_error: AWS's error code, HTTP status, request id).
 */
#ifndef IAM_ERROR_H
#define IAM_ERROR_H

#define IAM_ERR_MSG_MAX 640

struct iam_err {
	int code; /* 0 or a negative errno */
	char msg[IAM_ERR_MSG_MAX];
};

/* Set e (NULL is fine) and return code, for `return err_set(e, -EINVAL, "...")`. */
int err_set(struct iam_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void err_clear(struct iam_err *e);

#endif
