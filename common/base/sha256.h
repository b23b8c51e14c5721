/*
 * SHA-256 (FIPS 180-4), self-contained. Used for SSH key fingerprints so the
 * command sshd runs on every login does not load libcrypto: OpenSSL 3's
 * provider start-up alone costs several milliseconds per process.
 */
#ifndef IAM_SHA256_H
#define IAM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);

#endif
