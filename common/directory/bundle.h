/*
 * The fleet bundle (decisions 14-15): what one publisher uploads and every host
 * verifies before installing. All integers little-endian, fixed width:
 *
 *   header (128 bytes, signed as it is):
 *     0  magic "IAMLBNDL"         8  u32 version = 1     12 u32 header size = 128
 *     16 u32 algorithm = 1 (ECDSA P-256, SHA-256)        20 u32 reserved, 0
 *     24 account[16] (12 digits, NUL-padded)             40 u64 generation
 *     48 i64 created (Unix seconds)                      56 u64 payload length
 *     64 SHA-256 of the payload (32 bytes)               96 reserved, 32 zero bytes
 *   payload: one directory snapshot (snapshot_format.h) whose own header names
 *            the same account, generation and creation time
 *   trailer: u32 signature length (8..72), then the DER ECDSA signature of the
 *            header; nothing after it
 *
 * The signature covers the header only, and the header carries the payload's
 * digest: the signed message stays 128 bytes, which KMS signs as MessageType RAW
 * (it hashes it itself, like `openssl dgst -sha256 -sign`).
 */
#ifndef IAM_BUNDLE_H
#define IAM_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define BUNDLE_MAGIC "IAMLBNDL"
/* The MFA bundle (decision 16): the same header, signature and rules, its own
 * magic (a directory bundle is never taken for an MFA bundle, nor the reverse),
 * and a text payload whose first line is
 * "iam-login-mfa-bundle-1 ACCOUNT GENERATION CREATED" (mfa_bundle.h). */
#define BUNDLE_MFA_MAGIC "IAMLMFAB"
#define BUNDLE_MFA_PAYLOAD_TAG "iam-login-mfa-bundle-1"
#define BUNDLE_MFA_MAX_PAYLOAD (8u * 1024 * 1024)
#define BUNDLE_VERSION 1u
#define BUNDLE_HEADER_SIZE 128u
#define BUNDLE_ALG_ECDSA_P256_SHA256 1u
#define BUNDLE_MAX_SIG 72u
#define BUNDLE_FUTURE_SLACK 300 /* seconds a publisher's clock may run ahead */

/* bundle_check_policy: the bundle is the installed generation (not an error). */
#define BUNDLE_SAME_GENERATION 1

struct bundle_info {
	char account[16];
	uint64_t generation;
	int64_t created;
	uint64_t payload_len;
};

/* Signs msg (the header) with ECDSA P-256 / SHA-256 into sig (DER, <= 72 bytes). */
struct bundle_signer {
	int (*sign)(void *ctx, const void *msg, size_t len, unsigned char *sig, size_t *siglen,
		    struct iam_err *err);
	void *ctx;
	void (*release)(void *ctx); /* may be NULL */
};

struct bundle_pubkey;

/*
 * A P-256 private key in a PEM file (SEC1 or PKCS#8) as a signer, and its
 * public key. The file: regular, owned by root or by the caller, mode 0600 or
 * narrower. 0 or -errno with err naming the file.
 */
int bundle_signer_from_pem_file(const char *path, struct bundle_signer *out,
				struct bundle_pubkey **pub, struct iam_err *err);
void bundle_signer_free(struct bundle_signer *s);

/*
 * The publisher's public key (PEM SubjectPublicKeyInfo, P-256 only). The file:
 * regular, owned by root (or the caller), not writable by group or others.
 */
int bundle_pubkey_load(const char *path, struct bundle_pubkey **out, struct iam_err *err);
/* What KMS GetPublicKey returns (DER SubjectPublicKeyInfo). */
int bundle_pubkey_from_der(const unsigned char *der, size_t len, struct bundle_pubkey **out,
			   struct iam_err *err);
void bundle_pubkey_free(struct bundle_pubkey *k);

/*
 * Header + payload + signature into *out (malloc'd). The payload must be a
 * snapshot whose header agrees with info; the signature is checked with check
 * (may be NULL) before anything is returned, so a wrong signer never uploads.
 */
int bundle_encode(const struct bundle_info *info, const void *payload, size_t len,
		  const struct bundle_signer *signer, const struct bundle_pubkey *check, void **out,
		  size_t *out_len, struct iam_err *err);

/*
 * Parse and verify buf: every length exact, version and algorithm known, the
 * payload digest, the signature with key, and the snapshot header inside equal
 * to the bundle header. On success *payload points into buf. 0, -EBADMSG
 * (malformed), -EKEYREJECTED (signature), -errno; err says which check failed.
 */
int bundle_verify(const void *buf, size_t len, const struct bundle_pubkey *key,
		  struct bundle_info *info, const void **payload, size_t *payload_len,
		  struct iam_err *err);

/* The same two for an MFA bundle. */
int bundle_encode_mfa(const struct bundle_info *info, const void *payload, size_t len,
		      const struct bundle_signer *signer, const struct bundle_pubkey *check,
		      void **out, size_t *out_len, struct iam_err *err);
int bundle_verify_mfa(const void *buf, size_t len, const struct bundle_pubkey *key,
		      struct bundle_info *info, const void **payload, size_t *payload_len,
		      struct iam_err *err);

/*
 * A host's own rules for a verified bundle: its account (when expected is
 * not NULL), its generation against the installed one (lower: -ESTALE, a
 * rollback; equal: BUNDLE_SAME_GENERATION), its age (older than max_age > 0:
 * -ESTALE; more than BUNDLE_FUTURE_SLACK ahead of now: -ESTALE). 0 to install.
 */
int bundle_check_policy(const struct bundle_info *info, const char *expected_account,
			uint64_t installed, int64_t now, long max_age, struct iam_err *err);

#endif
