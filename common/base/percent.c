#include "base/percent.h"

#include "base/hex.h"
#include "base/strbuf.h"

/* ASCII only, not isalnum(): the PAM module runs in its host program's locale. */
static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

int percent_encode(struct strbuf *sb, const char *s, size_t len, unsigned flags)
{
	static const char UHEX[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len && !sb->err; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_unreserved(c) || ((flags & PERCENT_KEEP_SLASH) && c == '/')) {
			strbuf_addc(sb, (char)c);
		} else {
			char e[3] = {'%', UHEX[c >> 4], UHEX[c & 15]};
			strbuf_add(sb, e, 3);
		}
	}
	return sb->err;
}

char *percent_encode_dup(const char *s, size_t len, unsigned flags)
{
	struct strbuf sb;

	strbuf_init(&sb, 0);
	percent_encode(&sb, s, len, flags);
	return strbuf_detach(&sb, NULL);
}

size_t percent_decode(const char *s, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hex_digit_value(s[i + 1]) >= 0 &&
		    hex_digit_value(s[i + 2]) >= 0) {
			out[o++] =
			    (char)(hex_digit_value(s[i + 1]) << 4 | hex_digit_value(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}
