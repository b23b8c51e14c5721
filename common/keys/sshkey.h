/*
 * Validation of SSH public key lines that come from IAM (hostile input).
 * A line is reduced to exactly "type base64[ comment]": no options, no control
 * characters, a type from the allowed list whose base64 blob decodes and
 * carries the same type, and a comment cut to printable ASCII. The result is
 * safe to hand to sshd as one AuthorizedKeysCommand output line.
 */
#ifndef IAM_SSHKEY_H
#define IAM_SSHKEY_H

#include <stddef.h>

struct str_list;

#define SSHKEY_MAX_INPUT 16384 /* longer bodies are refused outright */
#define SSHKEY_MAX_BLOB 8192   /* decoded key blob (RSA 16384 bits fits) */
#define SSHKEY_MAX_COMMENT 128 /* comment bytes kept */
#define SSHKEY_MIN_RSA_BITS 2048
#define SSHKEY_FP_LEN 64 /* "SHA256:" + 43 base64 chars + NUL, with room */

struct sshkey_info {
	char type[48];			 /* the key type, e.g. "ssh-ed25519" */
	char fingerprint[SSHKEY_FP_LEN]; /* "SHA256:..." as ssh-keygen -lf prints it */
	unsigned bits;			 /* key size where known (RSA, ECDSA, Ed25519) */
};

/* The types allowed when the configuration lists none. */
extern const char *const sshkey_default_types[];

/*
 * Validate in[0..len) (may contain NUL bytes: they are refused) and write the
 * reduced line to *out (malloc'd, NUL-terminated, no newline). allowed may be
 * NULL or empty for the default list. Returns 0, or -EINVAL (malformed,
 * options, control characters, bad base64, type mismatch), -EPERM (type not
 * allowed or RSA too small), -E2BIG (too long), -ENOMEM. info may be NULL.
 */
int sshkey_sanitize(const char *in, size_t len, const struct str_list *allowed, char **out,
		    struct sshkey_info *info);

/* A short reason for a sshkey_sanitize() error, for audit lines. */
const char *sshkey_strerror(int err);

#endif
