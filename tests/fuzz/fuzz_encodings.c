/*
 * base64, base32 and hex (key bodies, MFA seeds, the usersfile's secrets):
 * encoding any bytes decodes back to them, and what a decoder accepts from
 * hostile text fits its buffer and re-encodes to a text that decodes the same.
 */
#include <string.h>

#include "base/base32.h"
#include "base/base64.h"
#include "base/hex.h"
#include "base/wipe.h"
#include "fuzz.h"

#define CAP 4096

static void base64_roundtrip(const uint8_t *data, size_t size)
{
	static char text[CAP * 2];
	static unsigned char back[CAP];
	size_t n;
	long got;

	base64_encode_nopad(data, size, text, sizeof(text));
	n = strlen(text);
	FUZZ_ASSERT(n == (size * 4 + 2) / 3);
	while (n % 4)
		text[n++] = '=';
	got = base64_decode_strict(text, n, back, sizeof(back));
	/* empty text is refused on purpose: no key body or seed is empty */
	FUZZ_ASSERT(size == 0 ? got == -1 : got == (long)size && memcmp(back, data, size) == 0);
	/* hostile text: an accepted decode fits and matches its length rule */
	got = base64_decode_strict((const char *)data, size, back, sizeof(back));
	if (got >= 0)
		FUZZ_ASSERT(size % 4 == 0 && (size_t)got <= size / 4 * 3 &&
			    (size_t)got + 2 >= size / 4 * 3);
}

static void base32_roundtrip(const uint8_t *data, size_t size, const char *str)
{
	static unsigned char back[CAP], again[CAP];
	char *text = NULL, *text2 = NULL;
	size_t n = 0, m = 0;

	FUZZ_ASSERT(base32_encode(data, size, &text) == 0);
	FUZZ_ASSERT(base32_decode(text, back, sizeof(back), &n) == 0);
	FUZZ_ASSERT(n == size && memcmp(back, data, size) == 0);
	wipe_free_str(text);
	if (base32_decode(str, back, sizeof(back), &n) == 0) {
		FUZZ_ASSERT(n <= sizeof(back));
		FUZZ_ASSERT(base32_encode(back, n, &text2) == 0);
		FUZZ_ASSERT(base32_decode(text2, again, sizeof(again), &m) == 0);
		FUZZ_ASSERT(m == n && memcmp(again, back, n) == 0);
		wipe_free_str(text2);
	}
}

static void hex_roundtrip(const uint8_t *data, size_t size, const char *str)
{
	static char text[CAP * 2 + 1];
	static unsigned char back[CAP];
	size_t n = 0;

	hex_encode_lower(data, size, text);
	FUZZ_ASSERT(strlen(text) == size * 2);
	FUZZ_ASSERT(hex_decode(text, back, sizeof(back), &n) == 0);
	FUZZ_ASSERT(n == size && memcmp(back, data, size) == 0);
	if (hex_decode(str, back, sizeof(back), &n) == 0) {
		FUZZ_ASSERT(n * 2 == strlen(str));
		hex_encode_lower(back, n, text);
		FUZZ_ASSERT(strcasecmp(text, str) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *str;

	if (size > CAP)
		return 0;
	str = malloc(size + 1);
	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	base64_roundtrip(data, size);
	base32_roundtrip(data, size, str);
	hex_roundtrip(data, size, str);
	free(str);
	return 0;
}
