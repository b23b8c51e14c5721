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
#ifndef IAM_USERSFILE_H
#define IAM_USERSFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define USERSFILE_MAX_USER 64 /* longest user name accepted in the file */
#define USERSFILE_MAX_FAILS 3 /* failed codes per user per step, then refused unchecked */
#define USERSFILE_MAX_BYTES (4u * 1024 * 1024) /* larger usersfiles are refused */

/* What the usersfile says about one user (no secret). */
struct usersfile_status {
	unsigned digits;     /* 6..8 */
	unsigned period;     /* seconds per step; 0 for event-based HOTP lines */
	size_t secret_bytes; /* length of the secret (not the secret) */
	char last_used[32];  /* liboath's timestamp of the last accepted code, or "" */
};

/*
 * Is path a regular file owned by root with mode bits only for the owner?
 * 0, -ENOENT, -EPERM (wrong owner, mode, type or a symlink), -errno.
 */
int usersfile_check(const char *path);

/* The user's entry: 0, -ENOENT (not enrolled), -EPERM (insecure file), -EBADMSG. */
int usersfile_status(const char *usersfile, const char *user, struct usersfile_status *out);

/*
 * Check code for user with window steps either side of now, and record it so it
 * cannot be used again: one read-check-write under "FILE.iam-lock" (a
 * persistent fcntl lock, freed by the kernel if its holder dies), checked with
 * oath_totp_validate2(); a code is accepted only for a time step later than the
 * last accepted one, unless that one lies beyond now + window (a clock that was
 * ahead: logged and ignored). 0 (accepted), -EACCES (wrong
 * code or outside the window), -EALREADY (replayed: this or a later code was already used), -ENOENT
 * (user has no entry), -EINVAL (code is not digits of the right length), -EPERM, -EIO,
 * -EUSERS (USERSFILE_MAX_FAILS codes already failed for user in this step: refused
 * without checking; issue 8 finding 2). On 0, *step (may be NULL) is the time
 * step the code belongs to: what the cross-host replay guard records.
 */
int usersfile_verify(const char *usersfile, const char *user, const char *code, unsigned window,
		     long long *step);

/*
 * Does user's line hold exactly this secret, digits and period? 1 yes, 0 no
 * (or no line, or no file), negative errno when the file is unusable. Lets a
 * fleet install keep a line, and with it its replay state, while the secret
 * is unchanged.
 */
int usersfile_same_secret(const char *usersfile, const char *user, const unsigned char *secret,
			  size_t secret_len, unsigned digits, unsigned period);

/*
 * Store (or replace) user's secret as a TOTP line with digits/period, keeping
 * every other line as it was. Creates the file (root, 0600) when missing. Takes
 * the same lock as usersfile_verify so it does not race a login updating the file. 0 or -errno.
 */
int usersfile_enrol(const char *usersfile, const char *user, const unsigned char *secret,
		    size_t secret_len, unsigned digits, unsigned period);

/*
 * Key from's line(s) as to instead, secret and replay state kept (migrating an
 * entry keyed by a Linux name to the IAM UserId). 0, -ENOENT (no line for
 * from), -EEXIST (to already has one), -EINVAL, -EPERM, -errno.
 */
int usersfile_rekey(const char *usersfile, const char *from, const char *to);

/* Remove user's line(s). 0, -ENOENT (not enrolled), -EPERM, -errno. */
int usersfile_remove(const char *usersfile, const char *user);

/* A user name that may go into the usersfile: [A-Za-z0-9_.@+=,-], 1..64 bytes. */
bool usersfile_valid_user(const char *user);

#endif
