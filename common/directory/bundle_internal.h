/* Between bundle.c and bundle_key.c: the public key is an OpenSSL EVP_PKEY. */
#ifndef IAM_BUNDLE_INTERNAL_H
#define IAM_BUNDLE_INTERNAL_H

#include <openssl/evp.h>

struct bundle_pubkey {
	EVP_PKEY *pkey;
};

/* Takes k (freed with the result); NULL when out of memory (k not taken). */
struct bundle_pubkey *bundle_pubkey_wrap(EVP_PKEY *k);

#endif
