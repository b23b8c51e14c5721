/* Hex digits, libc only: shared by SigV4 (libcurl/OpenSSL side) and TOTP (pam_iam.so). */
#ifndef IAM_HEX_H
#define IAM_HEX_H

#include <stddef.h>

/* Value of one hex digit (either case), or -1 when c is not one. */
int hex_digit_value(char c);

/* Lower-case hex of n bytes; out holds 2 * n + 1 characters and is NUL-terminated. */
void hex_encode_lower(const unsigned char *in, size_t n, char *out);

/*
 * Decode the whole NUL-terminated string hex into out (at most cap bytes).
 * Odd length, overflow or a non-hex character: -EBADMSG. Returns 0.
 */
int hex_decode(const char *hex, unsigned char *out, size_t cap, size_t *outlen);

#endif
