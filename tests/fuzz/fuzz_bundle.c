/*
 * Fleet bundle verifier: hostile bytes are refused with a reason or accepted only
 * as what they claim: the payload inside the buffer, its digest and snapshot header
 * equal to the signed header. The seeds are signed by the test-only key whose
 * public half is below (its private half was thrown away after signing them).
 */
#include <string.h>

#include "directory/bundle.h"
#include "directory/bundle_internal.h"
#include "fuzz.h"
#include "snapshot/snapshot_format.h"

#include <openssl/bio.h>
#include <openssl/pem.h>

static const char test_key[] = "-----BEGIN PUBLIC KEY-----\n"
			       "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhgNq3VgzqbUU04JJ4ODemjj1P3ze\n"
			       "vMlz4ZePI6Vecl0sakB07gHsWo3rGg/xOWMwPi+yMW0UK6jmy35cH1XIPQ==\n"
			       "-----END PUBLIC KEY-----\n";

static struct bundle_pubkey *key(void)
{
	static struct bundle_pubkey *k; /* one per fuzzing process, never freed */

	if (!k) {
		BIO *b = BIO_new_mem_buf(test_key, -1);
		EVP_PKEY *p = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);

		BIO_free(b);
		FUZZ_ASSERT(p);
		k = bundle_pubkey_wrap(p);
		FUZZ_ASSERT(k);
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle_info info;
	struct iam_err err = {0};
	const void *payload;
	size_t plen;
	struct snapfmt_header h;

	if (bundle_verify(data, size, key(), &info, &payload, &plen, &err) < 0) {
		FUZZ_ASSERT(err.msg[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT((const uint8_t *)payload >= data + BUNDLE_HEADER_SIZE);
	FUZZ_ASSERT((const uint8_t *)payload + plen <= data + size);
	FUZZ_ASSERT(plen == info.payload_len && plen >= sizeof(h));
	memcpy(&h, payload, sizeof(h));
	FUZZ_ASSERT(memcmp(h.account, info.account, sizeof(h.account)) == 0);
	FUZZ_ASSERT(le64toh(h.generation) == info.generation);
	/* the host's policy answers every accepted bundle, with a reason when it refuses */
	if (bundle_check_policy(&info, "123456789012", 6, 1700000000, 86400, &err) < 0)
		FUZZ_ASSERT(err.msg[0] != '\0');
	return 0;
}
