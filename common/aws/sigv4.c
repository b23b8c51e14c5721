/* SigV4 signing with OpenSSL; steps follow AWS's "Create a canonical request". */
#include "aws/sigv4.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "base/file.h"
#include "base/hex.h"
#include "base/percent.h"
#include "base/strbuf.h"
#include "base/wipe.h"

#define MAX_SIGNED_HEADERS 64

void sigv4_sha256_hex(const void *data, size_t len, char hex[65])
{
	uint8_t md[SHA256_DIGEST_LENGTH];

	SHA256(data ? data : (const void *)"", len, md);
	hex_encode_lower(md, sizeof(md), hex);
}

void sigv4_amz_date(long long t, char buf[SIGV4_AMZ_DATE_LEN + 1])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, SIGV4_AMZ_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm);
}

/* Decode then encode one component, so "%E1%88%B4" and raw UTF-8 agree. */
static char *reencode(const char *s, size_t len, int keep_slash)
{
	char *dec = malloc(len + 1), *r;
	size_t n;

	if (!dec)
		return NULL;
	n = percent_decode(s, len, dec);
	r = percent_encode_dup(dec, n, keep_slash ? PERCENT_KEEP_SLASH : 0);
	free(dec);
	return r;
}

/* Remove "." and ".." segments and empty segments (non-S3 services normalize). */
static int canonical_path(const char *path, struct strbuf *out)
{
	const char *segs[256];
	size_t lens[256], n = 0, i;
	const char *p = path && *path ? path : "/";
	size_t plen = strlen(p);
	int trailing = plen > 0 && p[plen - 1] == '/';

	while (*p) {
		const char *e;
		size_t l;
		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		l = e ? (size_t)(e - p) : strlen(p);
		if (l == 1 && p[0] == '.') {
			trailing = 1;
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (n > 0)
				n--;
			trailing = 1;
		} else {
			if (n >= sizeof(segs) / sizeof(segs[0]))
				return -E2BIG;
			segs[n] = p;
			lens[n] = l;
			n++;
			trailing = e != NULL;
		}
		p += l;
	}
	strbuf_addc(out, '/');
	for (i = 0; i < n; i++) {
		char *enc = reencode(segs[i], lens[i], 0);
		if (!enc)
			return -ENOMEM;
		if (i > 0)
			strbuf_addc(out, '/');
		strbuf_adds(out, enc);
		free(enc);
	}
	if (n > 0 && trailing)
		strbuf_addc(out, '/');
	return out->err;
}

struct qparam {
	char *key;
	char *value;
};

static int cmp_qparam(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->value, y->value);
}

static int canonical_query(const char *q, struct strbuf *out)
{
	struct qparam *ps = NULL;
	size_t n = 0, cap = 0, i;
	const char *p = q;
	int r = 0;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t l = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', l);
		if (l > 0) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 8;
				struct qparam *np = realloc(ps, nc * sizeof(*np));
				if (!np) {
					r = -ENOMEM;
					goto out;
				}
				ps = np;
				cap = nc;
			}
			ps[n].key = reencode(p, eq ? (size_t)(eq - p) : l, 0);
			ps[n].value =
			    eq ? reencode(eq + 1, l - (size_t)(eq + 1 - p), 0) : strdup("");
			n++;
			if (!ps[n - 1].key || !ps[n - 1].value) {
				r = -ENOMEM;
				goto out;
			}
		}
		p = amp ? amp + 1 : NULL;
	}
	if (n > 1)
		qsort(ps, n, sizeof(*ps), cmp_qparam);
	for (i = 0; i < n; i++)
		strbuf_addf(out, "%s%s=%s", i ? "&" : "", ps[i].key, ps[i].value);
	r = out->err;
out:
	for (i = 0; i < n; i++) {
		free(ps[i].key);
		free(ps[i].value);
	}
	free(ps);
	return r;
}

struct chdr {
	char *name;	     /* lowercased */
	struct strbuf value; /* trimmed, spaces collapsed, duplicates joined by ',' */
	size_t first;	     /* order of first appearance (for a stable sort) */
};

static int cmp_chdr(const void *a, const void *b)
{
	const struct chdr *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Trim and collapse runs of whitespace (incl. folded line breaks) to one space. */
static void add_trimmed(struct strbuf *sb, const char *v)
{
	int pending_space = 0, any = 0;

	for (; *v; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
			pending_space = any;
			continue;
		}
		if (pending_space)
			strbuf_addc(sb, ' ');
		pending_space = 0;
		strbuf_addc(sb, *v);
		any = 1;
	}
}

int sigv4_canonical_request(const struct sigv4_request *r, char **creq, char **signed_headers)
{
	struct chdr hs[MAX_SIGNED_HEADERS];
	size_t nh = 0, i, j;
	struct strbuf sb, sh;
	char phash[65];
	int ret = 0;

	*creq = NULL;
	if (signed_headers)
		*signed_headers = NULL;
	if (r->nheaders > MAX_SIGNED_HEADERS)
		return -E2BIG;
	for (i = 0; i < r->nheaders; i++) {
		const char *name = r->headers[i].name;
		char *lname = strdup(name);
		if (!lname) {
			ret = -ENOMEM;
			goto out;
		}
		for (j = 0; lname[j]; j++)
			lname[j] = (char)tolower((unsigned char)lname[j]);
		for (j = 0; j < nh; j++)
			if (strcmp(hs[j].name, lname) == 0)
				break;
		if (j < nh) {
			free(lname);
			strbuf_addc(&hs[j].value, ',');
		} else {
			hs[nh].name = lname;
			hs[nh].first = nh;
			strbuf_init(&hs[nh].value, 0);
			j = nh++;
		}
		add_trimmed(&hs[j].value, r->headers[i].value ? r->headers[i].value : "");
	}
	/* Header names are unique now, so an unstable sort is fine. */
	qsort(hs, nh, sizeof(hs[0]), cmp_chdr);

	strbuf_init(&sb, 0);
	strbuf_init(&sh, 0);
	strbuf_adds(&sb, r->method);
	strbuf_addc(&sb, '\n');
	ret = canonical_path(r->path, &sb);
	if (ret < 0)
		goto fail;
	strbuf_addc(&sb, '\n');
	ret = canonical_query(r->query, &sb);
	if (ret < 0)
		goto fail;
	strbuf_addc(&sb, '\n');
	for (i = 0; i < nh; i++) {
		strbuf_addf(&sb, "%s:%s\n", hs[i].name, hs[i].value.buf ? hs[i].value.buf : "");
		strbuf_addf(&sh, "%s%s", i ? ";" : "", hs[i].name);
		if (hs[i].value.err)
			ret = hs[i].value.err;
	}
	strbuf_addc(&sb, '\n');
	strbuf_adds(&sb, sh.buf ? sh.buf : "");
	strbuf_addc(&sb, '\n');
	sigv4_sha256_hex(r->payload, r->payload_len, phash);
	strbuf_adds(&sb, phash);
	if (ret < 0 || sb.err || sh.err) {
		ret = ret < 0 ? ret : (sb.err ? sb.err : sh.err);
		goto fail;
	}
	*creq = strbuf_detach(&sb, NULL);
	if (signed_headers)
		*signed_headers = strbuf_detach(&sh, NULL);
	else
		strbuf_free(&sh);
	if (!*creq || (signed_headers && !*signed_headers)) {
		free(*creq);
		*creq = NULL;
		if (signed_headers) {
			free(*signed_headers);
			*signed_headers = NULL;
		}
		ret = -ENOMEM;
	}
	goto out;
fail:
	strbuf_free(&sb);
	strbuf_free(&sh);
out:
	for (i = 0; i < nh; i++) {
		free(hs[i].name);
		strbuf_free(&hs[i].value);
	}
	return ret;
}

static int valid_date(const char *d)
{
	return d && strlen(d) == SIGV4_AMZ_DATE_LEN && d[8] == 'T' && d[15] == 'Z';
}

int sigv4_string_to_sign(const struct sigv4_params *p, const char *creq, char **sts)
{
	char h[65];
	struct strbuf sb;

	*sts = NULL;
	if (!valid_date(p->amz_date) || !p->region || !p->service)
		return -EINVAL;
	sigv4_sha256_hex(creq, strlen(creq), h);
	strbuf_init(&sb, 0);
	strbuf_addf(&sb, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s", p->amz_date,
		    p->amz_date, p->region, p->service, h);
	*sts = strbuf_detach(&sb, NULL);
	return *sts ? 0 : -ENOMEM;
}

static int hmac(const void *key, size_t klen, const char *msg, uint8_t out[32])
{
	unsigned int olen = 32;

	if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out,
		  &olen) ||
	    olen != 32)
		return -EIO;
	return 0;
}

int sigv4_signing_key(const struct sigv4_params *p, uint8_t key[32])
{
	char date[9];
	size_t slen;
	char *k0;
	uint8_t k[32];
	int r;

	if (!valid_date(p->amz_date) || !p->secret_key || !p->region || !p->service)
		return -EINVAL;
	memcpy(date, p->amz_date, 8);
	date[8] = '\0';
	slen = strlen(p->secret_key) + 4;
	k0 = malloc(slen + 1);
	if (!k0)
		return -ENOMEM;
	snprintf(k0, slen + 1, "AWS4%s", p->secret_key);
	r = hmac(k0, slen, date, k);
	wipe_free(k0, slen + 1);
	if (r == 0)
		r = hmac(k, 32, p->region, k);
	if (r == 0)
		r = hmac(k, 32, p->service, k);
	if (r == 0)
		r = hmac(k, 32, "aws4_request", k);
	if (r == 0)
		memcpy(key, k, 32);
	wipe(k);
	return r;
}

int sigv4_signature(const struct sigv4_params *p, const char *sts, char hex[65])
{
	uint8_t key[32], sig[32];
	int r = sigv4_signing_key(p, key);

	if (r == 0)
		r = hmac(key, 32, sts, sig);
	wipe(key);
	if (r == 0)
		hex_encode_lower(sig, 32, hex);
	return r;
}

int sigv4_authorization(const struct sigv4_request *r, const struct sigv4_params *p, char **authz)
{
	char *creq = NULL, *sh = NULL, *sts = NULL;
	char sig[65];
	struct strbuf sb;
	int ret;

	*authz = NULL;
	if (!p->access_key)
		return -EINVAL;
	ret = sigv4_canonical_request(r, &creq, &sh);
	if (ret == 0)
		ret = sigv4_string_to_sign(p, creq, &sts);
	if (ret == 0)
		ret = sigv4_signature(p, sts, sig);
	if (ret == 0) {
		strbuf_init(&sb, 0);
		strbuf_addf(&sb,
			    "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
			    "SignedHeaders=%s, Signature=%s",
			    p->access_key, p->amz_date, p->region, p->service, sh, sig);
		*authz = strbuf_detach(&sb, NULL);
		if (!*authz)
			ret = -ENOMEM;
	}
	free(creq);
	free(sh);
	free(sts);
	return ret;
}
