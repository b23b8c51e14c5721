#include "base/base64.h"

#include <stdint.h>
#include <string.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict base64 (padded, as ssh writes it): length a multiple of 4, '=' only
 * in the last two places. Returns the decoded length or -1.
 */
long base64_decode_strict(const char *s, size_t n, unsigned char *out, size_t cap)
{
	size_t i, o = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		int v[4], pad = 0, k;
		for (k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];
			if (c == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad)
				return -1; /* data after padding */
			v[k] = b64_value(c);
			if (v[k] < 0)
				return -1;
		}
		if (o + 3 - (size_t)pad > cap)
			return -1;
		uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) |
			     ((uint32_t)v[2] << 6) | (uint32_t)v[3];
		out[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)w;
	}
	return (long)o;
}

/* base64 without padding, as ssh-keygen prints fingerprints. */
void base64_encode_nopad(const unsigned char *in, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < cap; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16;
		size_t rem = n - i;
		if (rem > 1)
			w |= (uint32_t)in[i + 1] << 8;
		if (rem > 2)
			w |= in[i + 2];
		out[o++] = b64_alphabet[(w >> 18) & 63];
		out[o++] = b64_alphabet[(w >> 12) & 63];
		if (rem > 1)
			out[o++] = b64_alphabet[(w >> 6) & 63];
		if (rem > 2)
			out[o++] = b64_alphabet[w & 63];
	}
	out[o] = '\0';
}

void base64_encode(const unsigned char *in, size_t n, char *out, size_t cap)
{
	size_t o;

	base64_encode_nopad(in, n, out, cap);
	/* pad to a multiple of 4, as JSON APIs (KMS) expect */
	for (o = strlen(out); o % 4 && o + 1 < cap; o++)
		out[o] = '=';
	out[o] = '\0';
}
