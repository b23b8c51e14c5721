#include "mfa/totp.h"

#include <errno.h>
#include <liboath/oath.h>
#include <stddef.h>
#include <sys/random.h>

#include "base/wipe.h"

bool totp_code_shape_ok(const char *code, unsigned digits)
{
	size_t n = 0;

	for (const char *p = code; *p; p++, n++)
		if (*p < '0' || *p > '9' || n >= TOTP_MAX_DIGITS)
			return false;
	return n == digits;
}

/* getrandom(2) is libc: pam_iam.so links this file and must not need OpenSSL. */
int totp_new_secret(unsigned char *secret, size_t len)
{
	ssize_t r;

	do
		r = getrandom(secret, len, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0 || (size_t)r != len) {
		/* never leave part of a secret behind for a caller to use by mistake */
		wipe_bytes(secret, len);
		return -EIO;
	}
	return 0;
}

int totp_code_at(const unsigned char *secret, size_t secret_len, time_t t, unsigned digits,
		 unsigned period, char *out, size_t outsz)
{
	int r;

	if (digits < TOTP_MIN_DIGITS || digits > TOTP_MAX_DIGITS || outsz < digits + 1 ||
	    period == 0)
		return -EINVAL;
	if (oath_init() != OATH_OK)
		return -EIO;
	r = oath_totp_generate((const char *)secret, secret_len, t, period, 0, digits, out);
	oath_done();
	return r == OATH_OK ? 0 : -EIO;
}

int totp_check_code(const unsigned char *secret, size_t secret_len, time_t now, unsigned digits,
		    unsigned period, unsigned window, const char *code)
{
	int r;

	if (!code || !totp_code_shape_ok(code, digits) || period == 0)
		return -EINVAL;
	if (oath_init() != OATH_OK)
		return -EIO;
	r = oath_totp_validate((const char *)secret, secret_len, now, period, 0, window, code);
	oath_done();
	return r >= 0 ? 0 : -EACCES;
}
