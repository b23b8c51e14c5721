/*
 * KMS answers (Sign, GetPublicKey): the first byte picks the parser. Accepted
 * answers yield what the callers rely on: a signature of 1..KMS_MAX_SIGNATURE
 * bytes, a public key only from an ECC_NIST_P256 SIGN_VERIFY answer; refusals
 * say why.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/kms.h"
#include "aws/kms_internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_error err;
	const char *body = (const char *)data + 1;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	memset(&err, 0, sizeof(err));
	if (data[0] & 1) {
		unsigned char *der = NULL;
		size_t der_len = 0;

		if (kms_parse_public_key(body, len, "key", &der, &der_len, &err) == 0) {
			FUZZ_ASSERT(der && der_len > 0 && der_len <= 1024);
			FUZZ_ASSERT(memmem(body, len, "ECC_NIST_P256", 13) != NULL);
			FUZZ_ASSERT(memmem(body, len, "SIGN_VERIFY", 11) != NULL);
		} else {
			FUZZ_ASSERT(err.code[0] != '\0');
		}
		free(der);
	} else {
		unsigned char sig[KMS_MAX_SIGNATURE];
		size_t siglen = 0;

		if (kms_parse_sign(body, len, sig, &siglen, &err) == 0)
			FUZZ_ASSERT(siglen > 0 && siglen <= KMS_MAX_SIGNATURE);
		else
			FUZZ_ASSERT(err.code[0] != '\0' && siglen == 0);
	}
	return 0;
}
