/* Strict base64 (RFC 4648 alphabet, padded), shared by the key and MFA-seed parsers. */
#ifndef IAM_BASE64_H
#define IAM_BASE64_H

#include <stddef.h>

/*
 * Decode n characters of s into out (at most cap bytes). The length must be a
 * multiple of 4 and '=' may only stand in the last two places. Returns the
 * decoded length, or -1 for anything else (bad characters, overflow).
 */
long base64_decode_strict(const char *s, size_t n, unsigned char *out, size_t cap);

/* Encode without padding, as ssh-keygen prints fingerprints; out is NUL-terminated. */
void base64_encode_nopad(const unsigned char *in, size_t n, char *out, size_t cap);

/* Encode with '=' padding (cap >= 4 * ((n + 2) / 3) + 1 for all of it). */
void base64_encode(const unsigned char *in, size_t n, char *out, size_t cap);

#endif
