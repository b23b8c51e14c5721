/*
 * AWS error documents (IAM/STS "ErrorResponse", EC2 "Response/Errors") into
 * struct aws_error, and what an error means for the caller: its errno, and
 * whether AWS asks us to slow down.
 */
#ifndef IAM_ERRDOC_H
#define IAM_ERRDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_error.h"

/* Fill err from a non-200 answer: its error document, or a generic text.
 * Control characters in what AWS sent become spaces. */
void aws_error_from_answer(const char *body, size_t len, long status, struct aws_error *err);

/* -EACCES (access denied codes), -ENOENT (NoSuchEntity), else -EIO. */
int aws_error_errno(const struct aws_error *err);

/* True for the throttling codes the SDKs retry. */
bool aws_error_is_throttling(const struct aws_error *err);

#endif
