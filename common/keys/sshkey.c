#include "keys/sshkey.h"
#include "base/base64.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strlist.h"
#include "base/sha256.h"

const char *const sshkey_default_types[] = {
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
    NULL,
};

/* A cursor over the SSH wire format of a key blob (RFC 4251 strings). */
struct blob {
	const unsigned char *p;
	size_t left;
};

static int blob_string(struct blob *b, const unsigned char **s, size_t *n)
{
	uint32_t len;

	if (b->left < 4)
		return -EINVAL;
	len = ((uint32_t)b->p[0] << 24) | ((uint32_t)b->p[1] << 16) | ((uint32_t)b->p[2] << 8) |
	      b->p[3];
	if (len > b->left - 4)
		return -EINVAL;
	*s = b->p + 4;
	*n = len;
	b->p += 4 + len;
	b->left -= 4 + len;
	return 0;
}

static bool blob_eq(const unsigned char *s, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(s, want, n) == 0;
}

/* Bits of a non-negative mpint (leading zero bytes skipped). */
static unsigned mpint_bits(const unsigned char *s, size_t n)
{
	unsigned bits;
	unsigned char top;

	while (n > 0 && *s == 0) {
		s++;
		n--;
	}
	if (n == 0)
		return 0;
	bits = (unsigned)(n - 1) * 8;
	for (top = *s; top; top >>= 1)
		bits++;
	return bits;
}

/* Check an EC point for the curve: uncompressed, right size. */
static int check_ec(struct blob *b, const char *curve, struct sshkey_info *info)
{
	const unsigned char *s;
	size_t n, want;
	unsigned bits;

	if (blob_string(b, &s, &n) < 0 || !blob_eq(s, n, curve))
		return -EINVAL;
	if (strcmp(curve, "nistp256") == 0) {
		want = 65;
		bits = 256;
	} else if (strcmp(curve, "nistp384") == 0) {
		want = 97;
		bits = 384;
	} else {
		want = 133;
		bits = 521;
	}
	if (blob_string(b, &s, &n) < 0 || n != want || s[0] != 0x04)
		return -EINVAL;
	info->bits = bits;
	return 0;
}

/*
 * Parse the blob of a known type completely: the embedded type must equal
 * the declared one and nothing may follow the last field.
 */
static int check_blob(const char *type, const unsigned char *data, size_t len,
		      struct sshkey_info *info)
{
	struct blob b = {data, len};
	const unsigned char *s;
	size_t n;
	int r;

	if (blob_string(&b, &s, &n) < 0 || !blob_eq(s, n, type))
		return -EINVAL;
	if (strcmp(type, "ssh-ed25519") == 0 || strcmp(type, "sk-ssh-ed25519@openssh.com") == 0) {
		if (blob_string(&b, &s, &n) < 0 || n != 32)
			return -EINVAL;
		info->bits = 256;
	} else if (strncmp(type, "ecdsa-sha2-", 11) == 0) {
		r = check_ec(&b, type + 11, info);
		if (r < 0)
			return r;
	} else if (strcmp(type, "sk-ecdsa-sha2-nistp256@openssh.com") == 0) {
		r = check_ec(&b, "nistp256", info);
		if (r < 0)
			return r;
	} else if (strcmp(type, "ssh-rsa") == 0) {
		if (blob_string(&b, &s, &n) < 0 || n == 0 || n > 8) /* e */
			return -EINVAL;
		if (blob_string(&b, &s, &n) < 0 || n == 0) /* n */
			return -EINVAL;
		info->bits = mpint_bits(s, n);
		if (info->bits < SSHKEY_MIN_RSA_BITS)
			return -EPERM;
	} else {
		return -EPERM; /* a type we cannot check is never offered */
	}
	if (strncmp(type, "sk-", 3) == 0) { /* FIDO keys carry the application */
		if (blob_string(&b, &s, &n) < 0 || n == 0)
			return -EINVAL;
	}
	return b.left == 0 ? 0 : -EINVAL;
}

static bool type_known(const char *type)
{
	size_t i;

	for (i = 0; sshkey_default_types[i]; i++)
		if (strcmp(sshkey_default_types[i], type) == 0)
			return true;
	return false;
}

static bool type_allowed(const struct str_list *allowed, const char *type)
{
	size_t i;

	if (!type_known(type))
		return false;
	if (!allowed || allowed->n == 0)
		return true;
	/* Exact match: ssh key types are case-sensitive. */
	for (i = 0; i < allowed->n; i++)
		if (allowed->items[i] && strcmp(allowed->items[i], type) == 0)
			return true;
	return false;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int fingerprint(const unsigned char *blob, size_t len, struct sshkey_info *info)
{
	uint8_t md[SHA256_DIGEST_LEN];

	sha256(blob, len, md);
	memcpy(info->fingerprint, "SHA256:", 7);
	base64_encode_nopad(md, sizeof(md), info->fingerprint + 7, sizeof(info->fingerprint) - 7);
	return 0;
}

/* Keep printable ASCII of the comment; drop leading '-' and blanks; bound it. */
static size_t clean_comment(const char *s, size_t n, char *out)
{
	size_t i, o = 0;

	while (n > 0 && (*s == '-' || is_blank(*s))) {
		s++;
		n--;
	}
	for (i = 0; i < n && o < SSHKEY_MAX_COMMENT; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t')
			c = ' ';
		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

int sshkey_sanitize(const char *in, size_t len, const struct str_list *allowed, char **out,
		    struct sshkey_info *info)
{
	struct sshkey_info local;
	const char *p, *end, *tok;
	char type[sizeof(local.type)], comment[SSHKEY_MAX_COMMENT + 1];
	unsigned char *blob;
	size_t i, tlen, b64len, clen = 0;
	long blen;
	int r;

	*out = NULL;
	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (len > SSHKEY_MAX_INPUT)
		return -E2BIG;
	end = in + len;
	/* One trailing line end (and blanks) is how IAM and files end a key. */
	while (end > in && (end[-1] == '\n' || end[-1] == '\r' || is_blank(end[-1])))
		end--;
	p = in;
	while (p < end && is_blank(*p))
		p++;
	/* Anything else below 0x20 (NUL, CR, LF inside, ESC) or DEL: refuse the key. */
	for (i = 0; p + i < end; i++) {
		unsigned char c = (unsigned char)p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -EINVAL;
	}

	tok = p;
	while (p < end && !is_blank(*p))
		p++;
	tlen = (size_t)(p - tok);
	if (tlen == 0)
		return -EINVAL;
	if (tlen >= sizeof(type))
		return -EPERM; /* no allowed type is that long: options or garbage */
	memcpy(type, tok, tlen);
	type[tlen] = '\0';
	if (!type_allowed(allowed, type))
		return -EPERM; /* includes lines starting with options */

	while (p < end && is_blank(*p))
		p++;
	tok = p;
	while (p < end && !is_blank(*p))
		p++;
	b64len = (size_t)(p - tok);
	if (b64len == 0)
		return -EINVAL;
	blob = malloc(SSHKEY_MAX_BLOB);
	if (!blob)
		return -ENOMEM;
	blen = base64_decode_strict(tok, b64len, blob, SSHKEY_MAX_BLOB);
	if (blen <= 0) {
		free(blob);
		return blen == -1 && b64len / 4 * 3 > SSHKEY_MAX_BLOB ? -E2BIG : -EINVAL;
	}
	snprintf(info->type, sizeof(info->type), "%s", type);
	r = check_blob(type, blob, (size_t)blen, info);
	if (r == 0)
		r = fingerprint(blob, (size_t)blen, info);
	free(blob);
	if (r < 0)
		return r;

	while (p < end && is_blank(*p))
		p++;
	if (p < end)
		clen = clean_comment(p, (size_t)(end - p), comment);

	*out = malloc(tlen + 1 + b64len + (clen ? 1 + clen : 0) + 1);
	if (!*out)
		return -ENOMEM;
	if (clen)
		sprintf(*out, "%s %.*s %s", type, (int)b64len, tok, comment);
	else
		sprintf(*out, "%s %.*s", type, (int)b64len, tok);
	return 0;
}

const char *sshkey_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -EINVAL:
		return "malformed key";
	case -EPERM:
		return "key type not allowed";
	case -E2BIG:
		return "key too long";
	case -ENOMEM:
		return "out of memory";
	default:
		return "key rejected";
	}
}
