/* The fleet bundle: encode, verify, and the host's policy (format in bundle.h). */
#include "directory/bundle.h"
#include "directory/bundle_internal.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/sha256.h"
#include "snapshot/snapshot_format.h"

struct bundle_pubkey *bundle_pubkey_wrap(EVP_PKEY *k)
{
	struct bundle_pubkey *p = calloc(1, sizeof(*p));

	if (p)
		p->pkey = k;
	return p;
}

void bundle_pubkey_free(struct bundle_pubkey *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

static void put32(unsigned char *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(unsigned char *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static bool account_ok(const char a[16])
{
	return strnlen(a, 16) == 12 && strspn(a, "0123456789") == 12 &&
	       !memcmp(a + 12, "\0\0\0\0", 4);
}

/* The snapshot's own header must say what the bundle header says. */
static int payload_agrees(const void *payload, size_t len, const struct bundle_info *info,
			  struct iam_err *err)
{
	struct snapfmt_header h;

	if (len < sizeof(h))
		return err_set(err, -EBADMSG, "payload of %zu bytes is no snapshot", len);
	memcpy(&h, payload, sizeof(h));
	if (memcmp(h.magic, SNAPFMT_MAGIC, 8) != 0 || le64toh(h.file_size) != len)
		return err_set(err, -EBADMSG, "payload is no snapshot (magic or size)");
	if (memcmp(h.account, info->account, sizeof(h.account)) != 0)
		return err_set(err, -EBADMSG, "payload names account %.12s, the header %.12s",
			       h.account, info->account);
	if (le64toh(h.generation) != info->generation ||
	    (int64_t)le64toh((uint64_t)h.created) != info->created)
		return err_set(err, -EBADMSG,
			       "payload generation/time differ from the header's (%llu vs %llu)",
			       (unsigned long long)le64toh(h.generation),
			       (unsigned long long)info->generation);
	return 0;
}

/* An MFA payload's first line must say what the bundle header says. */
static int mfa_payload_agrees(const void *payload, size_t len, const struct bundle_info *info,
			      struct iam_err *err)
{
	char want[128];
	int n =
	    snprintf(want, sizeof(want), "%s %.12s %llu %lld\n", BUNDLE_MFA_PAYLOAD_TAG,
		     info->account, (unsigned long long)info->generation, (long long)info->created);

	if (n < 0 || (size_t)n > len || memcmp(payload, want, (size_t)n) != 0)
		return err_set(err, -EBADMSG,
			       "MFA payload's first line differs from the bundle header");
	return 0;
}

struct bundle_kind {
	const char *magic;
	size_t max_payload;
	int (*agrees)(const void *payload, size_t len, const struct bundle_info *info,
		      struct iam_err *err);
};

static const struct bundle_kind directory_kind = {BUNDLE_MAGIC, SNAPFMT_MAX_FILE, payload_agrees};
static const struct bundle_kind mfa_kind = {BUNDLE_MFA_MAGIC, BUNDLE_MFA_MAX_PAYLOAD,
					    mfa_payload_agrees};

static int verify_sig(const struct bundle_pubkey *key, const unsigned char *msg, size_t len,
		      const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	if (!md)
		return -ENOMEM;
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key->pkey) == 1 &&
	     EVP_DigestVerify(md, sig, siglen, msg, len) == 1;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -EKEYREJECTED;
}

static int encode_kind(const struct bundle_kind *kind, const struct bundle_info *info,
		       const void *payload, size_t len, const struct bundle_signer *signer,
		       const struct bundle_pubkey *check, void **out, size_t *out_len,
		       struct iam_err *err)
{
	unsigned char hdr[BUNDLE_HEADER_SIZE], sig[BUNDLE_MAX_SIG + 8];
	size_t siglen = 0, total;
	unsigned char *buf;
	int r;

	*out = NULL;
	*out_len = 0;
	if (!account_ok(info->account))
		return err_set(err, -EINVAL, "account '%.16s' is not 12 digits", info->account);
	if (len > kind->max_payload)
		return err_set(err, -E2BIG, "payload too large");
	r = kind->agrees(payload, len, info, err);
	if (r < 0)
		return r;
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, kind->magic, 8);
	put32(hdr + 8, BUNDLE_VERSION);
	put32(hdr + 12, BUNDLE_HEADER_SIZE);
	put32(hdr + 16, BUNDLE_ALG_ECDSA_P256_SHA256);
	memcpy(hdr + 24, info->account, 16);
	put64(hdr + 40, info->generation);
	put64(hdr + 48, (uint64_t)info->created);
	put64(hdr + 56, len);
	sha256(payload, len, hdr + 64);
	r = signer->sign(signer->ctx, hdr, sizeof(hdr), sig, &siglen, err);
	if (r < 0)
		return r;
	if (siglen < 8 || siglen > BUNDLE_MAX_SIG)
		return err_set(err, -EBADMSG,
			       "the signer returned %zu bytes, not a P-256 signature", siglen);
	if (check && verify_sig(check, hdr, sizeof(hdr), sig, siglen) < 0)
		return err_set(err, -EKEYREJECTED,
			       "the signature does not verify with the signing key's public key");
	total = sizeof(hdr) + len + 4 + siglen;
	buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), payload, len);
	put32(buf + sizeof(hdr) + len, (uint32_t)siglen);
	memcpy(buf + sizeof(hdr) + len + 4, sig, siglen);
	*out = buf;
	*out_len = total;
	return 0;
}

static int verify_kind(const struct bundle_kind *kind, const void *vbuf, size_t len,
		       const struct bundle_pubkey *key, struct bundle_info *info,
		       const void **payload, size_t *payload_len, struct iam_err *err)
{
	const unsigned char *b = vbuf;
	uint8_t digest[SHA256_DIGEST_LEN];
	uint64_t plen;
	uint32_t siglen;
	int r;

	memset(info, 0, sizeof(*info));
	*payload = NULL;
	*payload_len = 0;
	if (len < BUNDLE_HEADER_SIZE + 4)
		return err_set(err, -EBADMSG, "truncated: %zu bytes, no header", len);
	if (memcmp(b, kind->magic, 8) != 0)
		return err_set(err, -EBADMSG, "bad magic: not an iam-login %s bundle",
			       kind == &mfa_kind ? "MFA" : "directory");
	if (get32(b + 8) != BUNDLE_VERSION || get32(b + 12) != BUNDLE_HEADER_SIZE)
		return err_set(err, -EBADMSG, "unknown bundle version %u (header %u bytes)",
			       get32(b + 8), get32(b + 12));
	if (get32(b + 16) != BUNDLE_ALG_ECDSA_P256_SHA256 || get32(b + 20) != 0)
		return err_set(err, -EBADMSG, "unknown signature algorithm %u", get32(b + 16));
	for (size_t i = 96; i < BUNDLE_HEADER_SIZE; i++)
		if (b[i])
			return err_set(err, -EBADMSG, "reserved header bytes are not zero");
	memcpy(info->account, b + 24, 16);
	if (!account_ok(info->account))
		return err_set(err, -EBADMSG, "the header's account is not 12 digits");
	info->generation = get64(b + 40);
	info->created = (int64_t)get64(b + 48);
	plen = get64(b + 56);
	info->payload_len = plen;
	if (plen > kind->max_payload || plen > len - BUNDLE_HEADER_SIZE - 4)
		return err_set(err, -EBADMSG,
			       "truncated: %zu bytes, the header says a %llu-byte "
			       "payload",
			       len, (unsigned long long)plen);
	siglen = get32(b + BUNDLE_HEADER_SIZE + plen);
	if (siglen < 8 || siglen > BUNDLE_MAX_SIG)
		return err_set(err, -EBADMSG, "bad signature length %u", siglen);
	if (len != BUNDLE_HEADER_SIZE + plen + 4 + siglen)
		return err_set(err, -EBADMSG, "%zu bytes, the header and trailer say %llu%s", len,
			       (unsigned long long)(BUNDLE_HEADER_SIZE + plen + 4 + siglen),
			       len < BUNDLE_HEADER_SIZE + plen + 4 + siglen ? " (truncated)"
									    : " (trailing bytes)");
	/* the signature first: nothing of an unsigned bundle is looked at further */
	r = verify_sig(key, b, BUNDLE_HEADER_SIZE, b + BUNDLE_HEADER_SIZE + plen + 4, siglen);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return err_set(err, -EKEYREJECTED,
			       "signature does not verify with the configured public key (another "
			       "publisher's key, or a damaged bundle)");
	sha256(b + BUNDLE_HEADER_SIZE, (size_t)plen, digest);
	if (memcmp(digest, b + 64, sizeof(digest)) != 0)
		return err_set(err, -EBADMSG, "payload digest mismatch: the payload was altered");
	r = kind->agrees(b + BUNDLE_HEADER_SIZE, (size_t)plen, info, err);
	if (r < 0)
		return r;
	*payload = b + BUNDLE_HEADER_SIZE;
	*payload_len = (size_t)plen;
	return 0;
}

int bundle_encode(const struct bundle_info *info, const void *payload, size_t len,
		  const struct bundle_signer *signer, const struct bundle_pubkey *check, void **out,
		  size_t *out_len, struct iam_err *err)
{
	return encode_kind(&directory_kind, info, payload, len, signer, check, out, out_len, err);
}

int bundle_verify(const void *buf, size_t len, const struct bundle_pubkey *key,
		  struct bundle_info *info, const void **payload, size_t *payload_len,
		  struct iam_err *err)
{
	return verify_kind(&directory_kind, buf, len, key, info, payload, payload_len, err);
}

int bundle_encode_mfa(const struct bundle_info *info, const void *payload, size_t len,
		      const struct bundle_signer *signer, const struct bundle_pubkey *check,
		      void **out, size_t *out_len, struct iam_err *err)
{
	return encode_kind(&mfa_kind, info, payload, len, signer, check, out, out_len, err);
}

int bundle_verify_mfa(const void *buf, size_t len, const struct bundle_pubkey *key,
		      struct bundle_info *info, const void **payload, size_t *payload_len,
		      struct iam_err *err)
{
	return verify_kind(&mfa_kind, buf, len, key, info, payload, payload_len, err);
}

int bundle_check_policy(const struct bundle_info *info, const char *expected_account,
			uint64_t installed, int64_t now, long max_age, struct iam_err *err)
{
	if (expected_account && strncmp(info->account, expected_account, 16) != 0)
		return err_set(err, -EPERM, "bundle of account %.12s, expected %.12s",
			       info->account, expected_account);
	if (info->generation < installed)
		return err_set(err, -ESTALE,
			       "bundle generation %llu is below the installed %llu: rollback "
			       "refused",
			       (unsigned long long)info->generation, (unsigned long long)installed);
	if (info->created > now + BUNDLE_FUTURE_SLACK)
		return err_set(err, -ESTALE,
			       "bundle created %lld s in the future: check the publisher's clock",
			       (long long)(info->created - now));
	if (max_age > 0 && now - info->created > max_age)
		return err_set(err, -ESTALE,
			       "bundle is %lld s old, over [pam] max_snapshot_age %ld: is the "
			       "publisher running?",
			       (long long)(now - info->created), max_age);
	if (info->generation == installed)
		return BUNDLE_SAME_GENERATION;
	return 0;
}
