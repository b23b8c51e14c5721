/* RFC 4648 base32 (the alphabet TOTP secrets are shown in). */
#ifndef IAM_BASE32_H
#define IAM_BASE32_H

#include <stddef.h>

/* RFC 4648 base32 without padding. *out is malloc'd; free with wipe_free_str. */
int base32_encode(const unsigned char *in, size_t len, char **out);
/* Decode base32 (case-insensitive, '=' padding and spaces ignored) into out (cap bytes). */
int base32_decode(const char *in, unsigned char *out, size_t cap, size_t *outlen);

#endif
