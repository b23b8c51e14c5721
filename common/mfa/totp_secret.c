/*
 * New TOTP secrets. Apart from totp.c so pam_iam.so, which never makes a
 * secret, does not link OpenSSL.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/rand.h>

#include "mfa/totp.h"

int totp_new_secret(unsigned char *secret, size_t len)
{
	if (len > INT_MAX || RAND_bytes(secret, (int)len) != 1)
		return -EIO;
	return 0;
}
