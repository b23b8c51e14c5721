/* The KMS answer parsers, for kms.c, the unit tests and the fuzz target. */
#ifndef IAM_KMS_INTERNAL_H
#define IAM_KMS_INTERNAL_H

#include <stddef.h>

#include "aws/aws_error.h"

/* A Sign answer: the DER signature into sig (KMS_MAX_SIGNATURE). 0 or -EBADMSG. */
int kms_parse_sign(const char *body, size_t len, unsigned char *sig, size_t *siglen,
		   struct aws_error *err);

/* A GetPublicKey answer of an ECC_NIST_P256 SIGN_VERIFY key. 0, -EINVAL, -EBADMSG. */
int kms_parse_public_key(const char *body, size_t len, const char *key_id, unsigned char **der,
			 size_t *der_len, struct aws_error *err);

#endif
