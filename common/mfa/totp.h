/*
 * TOTP (RFC 6238) secrets in liboath's usersfile format, shared by pam_iam and
 * `iam-login mfa`. The usersfile must be a regular file owned by root with no
 * group/other permissions; anything else is refused (-EPERM). Codes are computed
 * with liboath's TOTP functions (not its usersfile authentication); the last step
 * used is recorded in the file under the project's own fcntl lock, so a replayed
 * code is refused. Secrets are zeroed after use and never logged.
 *
 * Every function returns 0 or a negative errno.
 */
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
#define TOTP_MAX_USER 64 /* longest user name accepted in the file */
#define TOTP_MAX_FAILS 3 /* failed codes per user per step, then refused unchecked */
#define TOTP_MAX_FILE (4u * 1024 * 1024) /* larger usersfiles are refused */

/* What the usersfile says about one user (no secret). */
struct totp_status {
	unsigned digits;     /* 6..8 */
	unsigned period;     /* seconds per step; 0 for event-based HOTP lines */
	size_t secret_bytes; /* length of the secret (not the secret) */
	char last_used[32];  /* liboath's timestamp of the last accepted code, or "" */
};

/*
 * Is path a regular file owned by root with mode bits only for the owner?
 * 0, -ENOENT, -EPERM (wrong owner, mode, type or a symlink), -errno.
 */
int totp_usersfile_check(const char *path);

/* The user's entry: 0, -ENOENT (not enrolled), -EPERM (insecure file), -EBADMSG. */
int totp_status(const char *usersfile, const char *user, struct totp_status *out);

/*
 * Check code for user with window steps either side of now, and record it so it
 * cannot be used again: one read-check-write under "FILE.iam-lock" (a
 * persistent fcntl lock, freed by the kernel if its holder dies), checked with
 * oath_totp_validate2(); a code is accepted only for a time step later than the
 * last accepted one, unless that one lies beyond now + window (a clock that was
 * ahead: logged and ignored). 0 (accepted), -EACCES (wrong
 * code or outside the window), -EALREADY (replayed: this or a later code was already used), -ENOENT
 * (user has no entry), -EINVAL (code is not digits of the right length), -EPERM, -EIO,
 * -EUSERS (TOTP_MAX_FAILS codes already failed for user in this step: refused
 * without checking; issue 8 finding 2).
 */
int totp_verify(const char *usersfile, const char *user, const char *code, unsigned window);

/* totp_verify at time now (tests inject the clock). */
int totp_verify_at(const char *usersfile, const char *user, const char *code, unsigned window,
		   time_t now);

/*
 * Store (or replace) user's secret as a TOTP line with digits/period, keeping
 * every other line as it was. Creates the file (root, 0600) when missing. Takes
 * the same lock as totp_verify so it does not race a login updating the file. 0 or -errno.
 */
int totp_enrol(const char *usersfile, const char *user, const unsigned char *secret,
	       size_t secret_len, unsigned digits, unsigned period);

/*
 * Key from's line(s) as to instead, secret and replay state kept (migrating an
 * entry keyed by a Linux name to the IAM UserId). 0, -ENOENT (no line for
 * from), -EEXIST (to already has one), -EINVAL, -EPERM, -errno.
 */
int totp_rekey(const char *usersfile, const char *from, const char *to);

/* Remove user's line(s). 0, -ENOENT (not enrolled), -EPERM, -errno. */
int totp_remove(const char *usersfile, const char *user);

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

/* RFC 4648 base32 without padding. *out is malloc'd; free with free_secret_str. */
int totp_base32_encode(const unsigned char *in, size_t len, char **out);
/* Decode base32 (case-insensitive, '=' padding and spaces ignored) into out (cap bytes). */
int totp_base32_decode(const char *in, unsigned char *out, size_t cap, size_t *outlen);

/*
 * otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=D&period=P
 * with issuer and account percent-encoded. *out is malloc'd and holds the secret:
 * free with free_secret_str.
 */
int totp_uri(const char *issuer, const char *account, const char *secret_b32, unsigned digits,
	     unsigned period, char **out);

/* A user name that may go into the usersfile: [A-Za-z0-9_.@+=,-], 1..64 bytes. */
bool totp_valid_user(const char *user);

#endif
