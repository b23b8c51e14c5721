#include "base/base32.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/wipe.h"

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_encode(const unsigned char *in, size_t len, char **out)
{
	size_t olen = (len * 8 + 4) / 5, j = 0;
	unsigned buf = 0, bits = 0;
	char *s;

	if (len > 4096)
		return -EINVAL;
	s = malloc(olen + 1);
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			s[j++] = b32_alphabet[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		s[j++] = b32_alphabet[(buf << (5 - bits)) & 31];
	s[j] = '\0';
	buf = 0;
	*out = s;
	return 0;
}

int base32_decode(const char *in, unsigned char *out, size_t cap, size_t *outlen)
{
	unsigned buf = 0, bits = 0;
	size_t n = 0;

	for (const char *p = in; *p; p++) {
		const char *pos;
		char c = (char)toupper((unsigned char)*p);
		if (c == '=' || c == ' ' || c == '-')
			continue;
		pos = strchr(b32_alphabet, c);
		if (!pos || c == '\0') {
			wipe_bytes(out, cap);
			return -EINVAL;
		}
		buf = (buf << 5) | (unsigned)(pos - b32_alphabet);
		bits += 5;
		if (bits >= 8) {
			if (n >= cap) {
				wipe_bytes(out, cap);
				return -E2BIG;
			}
			out[n++] = (unsigned char)(buf >> (bits - 8));
			bits -= 8;
		}
	}
	buf = 0;
	*outlen = n;
	return 0;
}
