/* TOTP (RFC 6238) codes and secrets, computed with liboath. 0 or a negative errno. */
#ifndef IAM_TOTP_H
#define IAM_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TOTP_SECRET_BYTES 20 /* 160 bits, as RFC 4226 recommends for SHA-1 */
#define TOTP_MAX_SECRET_BYTES 64
#define TOTP_MIN_DIGITS 6
#define TOTP_MAX_DIGITS 8
#define TOTP_DEFAULT_PERIOD 30

/* Is code digits decimal digits (and nothing else)? */
bool totp_code_shape_ok(const char *code, unsigned digits);

/* len new random bytes from the kernel (getrandom). 0 or -EIO (nothing left in secret). */
int totp_new_secret(unsigned char *secret, size_t len);

/* The code for secret at time t (period seconds per step). out holds digits+1. */
int totp_code_at(const unsigned char *secret, size_t secret_len, time_t t, unsigned digits,
		 unsigned period, char *out, size_t outsz);

/*
 * Is code valid for secret within window steps of now (no replay state)? Used to
 * confirm an enrolment before it is stored. 0 or -EACCES / -EINVAL.
 */
int totp_check_code(const unsigned char *secret, size_t secret_len, time_t now, unsigned digits,
		    unsigned period, unsigned window, const char *code);

#endif
