/*
 * The two KMS calls bundle signing needs (JSON 1.1 protocol, Jansson), on the
 * signed transport: Sign (ECDSA_SHA_256 over a RAW message of at most 4096
 * bytes: KMS hashes it) and GetPublicKey (the DER SubjectPublicKeyInfo of an
 * ECC_NIST_P256 SIGN_VERIFY key). Every field of an answer is type-checked.
 */
#ifndef IAM_KMS_H
#define IAM_KMS_H

#include <stddef.h>

#include "aws/aws_error.h"
#include "aws/transport.h"

#define KMS_MAX_MESSAGE 4096
#define KMS_MAX_SIGNATURE 80 /* DER ECDSA P-256: at most 72 */

/* sig gets at most KMS_MAX_SIGNATURE bytes. 0, -EACCES, -EBADMSG (bad answer), -errno. */
int kms_sign(struct aws_client *c, const char *key_id, const void *msg, size_t len,
	     unsigned char *sig, size_t *siglen, struct aws_error *err);

/* *der (malloc'd) is the public key. 0, -EINVAL (not a P-256 signing key), -errno. */
int kms_get_public_key(struct aws_client *c, const char *key_id, unsigned char **der,
		       size_t *der_len, struct aws_error *err);

#endif
