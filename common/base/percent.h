/*
 * RFC 3986 percent-encoding, the one encoder of the project: SigV4's
 * canonical URI and query, the Query API's form body, otpauth:// URIs.
 * Unreserved characters (ASCII letters, digits, "-._~") are kept, every
 * other byte becomes %XX with uppercase hex, whatever the locale.
 */
#ifndef IAM_PERCENT_H
#define IAM_PERCENT_H

#include <stddef.h>

struct strbuf;

#define PERCENT_KEEP_SLASH 0x1 /* keep '/' as it is (paths) */

/* Append the encoding of s[0..len) to sb. 0 or sb's sticky error. */
int percent_encode(struct strbuf *sb, const char *s, size_t len, unsigned flags);

/* The encoding of s[0..len), malloc'd and NUL-terminated; NULL on ENOMEM. */
char *percent_encode_dup(const char *s, size_t len, unsigned flags);

/*
 * Decode %XX escapes (either case) of s[0..len) into out, which holds at least
 * len bytes; an invalid or cut-off escape is kept literally. Not NUL-terminated.
 * Returns the decoded length.
 */
size_t percent_decode(const char *s, size_t len, char *out);

#endif
