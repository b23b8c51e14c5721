#include "mfa/usersfile.h"
#include "mfa/usersfile_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "base/file.h"
#include "base/hex.h"
#include "base/strbuf.h"
#include "base/wipe.h"
#include "mfa/totp.h"

bool usersfile_valid_user(const char *user)
{
	size_t n = 0;

	if (!user || !*user)
		return false;
	for (const char *p = user; *p; p++, n++) {
		unsigned char c = (unsigned char)*p;
		if (n >= USERSFILE_MAX_USER)
			return false;
		if (!(isascii(c) && (isalnum(c) || strchr("_.@+=,-", c))))
			return false;
	}
	/* liboath treats these as field values with special meaning; never a user. */
	return user[0] != '-' && user[0] != '#';
}

int usersfile_check(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	int r = 0;

	if (fd < 0)
		return errno == ELOOP ? -EPERM : -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077))
		r = -EPERM;
	close(fd);
	return r;
}

/* Split a usersfile line into up to max whitespace-separated fields (in place). */
static size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(line, " \t\r", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t\r", &save))
		fields[n++] = tok;
	return n;
}

/* "HOTP/T30/6" -> period 30, digits 6. "HOTP" -> event based. */
static int parse_type(const char *type, unsigned *period, unsigned *digits)
{
	const char *p;
	char *end;
	unsigned long v;

	*period = 0;
	*digits = 6;
	if (strncmp(type, "HOTP", 4) != 0)
		return -EBADMSG;
	p = type + 4;
	if (*p == '\0')
		return 0;
	if (*p != '/')
		return -EBADMSG;
	p++;
	if (*p == 'T') {
		errno = 0;
		v = strtoul(p + 1, &end, 10);
		if (errno || end == p + 1 || v == 0 || v > 3600)
			return -EBADMSG;
		*period = (unsigned)v;
		p = end;
		if (*p == '\0')
			return 0;
		if (*p != '/')
			return -EBADMSG;
		p++;
	}
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || end == p || *end || v < TOTP_MIN_DIGITS || v > TOTP_MAX_DIGITS)
		return -EBADMSG;
	*digits = (unsigned)v;
	return 0;
}

/*
 * The writer only ever writes printable ASCII, tabs and newlines. Any other
 * byte means the file was damaged: a NUL would end the C string early and hide
 * every later line (an enrolled user would read as "not enrolled"), a '\r'
 * would make lines mean different things to different readers. Refuse the
 * whole file (fail closed) instead of guessing.
 */
static bool usersfile_bytes_ok(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		if ((c < 0x20 && c != '\t' && c != '\n') || c > 0x7e)
			return false;
	}
	return true;
}

static int load_usersfile(const char *path, char **data, size_t *len)
{
	int r = usersfile_check(path);

	if (r < 0)
		return r;
	r = file_read_bounded(path, USERSFILE_MAX_BYTES, data, len);
	if (r == 0 && !usersfile_bytes_ok(*data, *len)) {
		wipe_free(*data, *len);
		*data = NULL;
		*len = 0;
		return -EUCLEAN;
	}
	return r;
}

/* A comment or blank line, by the rule every reader and the rewriter share. */
static bool line_is_comment(const char *line)
{
	line += strspn(line, " \t");
	return *line == '#' || *line == '\0';
}

int usersfile_status(const char *usersfile, const char *user, struct usersfile_status *out)
{
	char *data = NULL, *line, *save = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (!usersfile_valid_user(user))
		return -ENOENT;
	r = load_usersfile(usersfile, &data, &len);
	if (r < 0)
		return r;
	r = -ENOENT;
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[8];
		size_t n;

		if (line_is_comment(line))
			continue;
		n = split_fields(line, f, 8);
		if (n < 4 || strcmp(f[1], user) != 0)
			continue;
		r = parse_type(f[0], &out->period, &out->digits);
		out->secret_bytes = strlen(f[3]) / 2;
		if (r == 0 && n >= 7)
			snprintf(out->last_used, sizeof(out->last_used), "%s", f[6]);
		break;
	}
	wipe_free(data, len);
	return r;
}

int usersfile_same_secret(const char *usersfile, const char *user, const unsigned char *secret,
			  size_t secret_len, unsigned digits, unsigned period)
{
	char *data = NULL, *line, *save = NULL, hex[2 * TOTP_MAX_SECRET_BYTES + 1];
	size_t len = 0;
	int r;

	if (!usersfile_valid_user(user) || secret_len > TOTP_MAX_SECRET_BYTES)
		return -EINVAL;
	r = load_usersfile(usersfile, &data, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	hex_encode_lower(secret, secret_len, hex);
	r = 0;
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[8];
		unsigned p = 0, d = 0;

		if (line_is_comment(line))
			continue;
		if (split_fields(line, f, 8) < 4 || strcmp(f[1], user) != 0)
			continue;
		r = parse_type(f[0], &p, &d) == 0 && p == period && d == digits &&
		    strcmp(f[2], "-") == 0 && strcasecmp(f[3], hex) == 0;
		break;
	}
	wipe(hex);
	wipe_free(data, len);
	return r;
}

/*
 * One persistent lock file, "FILE.iam-lock", serialises every read-check-write
 * of the usersfile (verify, enrol, remove). It is never unlinked and never
 * opened O_EXCL: liboath's "FILE.lock" is O_EXCL since the CVE-2024-47191 fix,
 * so a process killed while holding it locked TOTP out for the whole host
 * (issue 8 finding 5). An fcntl lock dies with its holder, so a killed sudo
 * releases it. The lock is never held across a PAM conversation, so waiting
 * for it (F_SETLKW) is bounded by one file rewrite. Only root may own it:
 * anybody else able to open it could hold the lock and stop every login.
 */
static int lock_usersfile(const char *path, char *lockpath, size_t n)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct stat st;
	int fd;

	if (snprintf(lockpath, n, "%s.iam-lock", path) >= (int)n)
		return -ENAMETOOLONG;
	fd =
	    open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
	if (fd < 0)
		return errno == ELOOP ? -EPERM : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	while (fcntl(fd, F_SETLKW, &fl) < 0) {
		int e = errno;
		if (e != EINTR) {
			close(fd);
			return -e;
		}
	}
	return fd;
}

static void unlock_usersfile(int fd, const char *lockpath)
{
	(void)lockpath; /* persistent: unlinking would let two holders lock two files */
	close(fd);
}

/* Is this raw line the entry of user? (fields: type user pin secret ...) */
static bool line_is_user(const char *line, size_t n, const char *user)
{
	size_t i = 0, ulen = strlen(user);

	while (i < n && (line[i] == ' ' || line[i] == '\t')) /* blanks, as split_fields skips */
		i++;
	if (i == n || line[i] == '#')
		return false;
	while (i < n && line[i] != ' ' && line[i] != '\t') /* type */
		i++;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (n - i < ulen || memcmp(line + i, user, ulen) != 0)
		return false;
	i += ulen;
	return i == n || line[i] == ' ' || line[i] == '\t';
}

/* Rewrite the usersfile without user's lines, plus newline (if any); lock held. */
static int rewrite_locked(const char *path, const char *user, const char *newline)
{
	char dbuf[PATH_MAX], bbuf[PATH_MAX];
	struct strbuf out;
	char *data = NULL;
	size_t len = 0;
	bool found = false;
	int r;

	if (snprintf(dbuf, sizeof(dbuf), "%s", path) >= (int)sizeof(dbuf) ||
	    snprintf(bbuf, sizeof(bbuf), "%s", path) >= (int)sizeof(bbuf))
		return -ENAMETOOLONG;
	strbuf_init(&out, 0);
	r = load_usersfile(path, &data, &len);
	if (r == -ENOENT && newline) {
		r = 0;
		data = NULL;
		len = 0;
	}
	for (size_t i = 0; r == 0 && i < len;) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (data + i)) : len - i;
		if (line_is_user(data + i, n, user))
			found = true;
		else if (n > 0)
			r = strbuf_add(&out, data + i, n) ?: strbuf_add(&out, "\n", 1);
		i += n + 1;
	}
	if (r == 0 && !newline && !found)
		r = -ENOENT;
	if (r == 0 && newline)
		r = strbuf_add(&out, newline, strlen(newline));
	if (r == 0)
		r = file_write_atomic(dirname(dbuf), basename(bbuf), out.buf ? out.buf : "",
				      out.len, 0600, 0, 0);
	wipe_free(data, len);
	strbuf_free(&out);
	return r;
}

static int rewrite_usersfile(const char *path, const char *user, const char *newline)
{
	char lockpath[PATH_MAX];
	int lockfd = lock_usersfile(path, lockpath, sizeof(lockpath));
	int r;

	if (lockfd < 0)
		return lockfd;
	r = rewrite_locked(path, user, newline);
	unlock_usersfile(lockfd, lockpath);
	return r;
}

/* user_from's lines keyed as user_to instead (lock held). -ENOENT, -EEXIST. */
static int rekey_locked(const char *path, const char *from, const char *to)
{
	char dbuf[PATH_MAX], bbuf[PATH_MAX];
	struct strbuf out;
	char *data = NULL;
	size_t len = 0;
	bool found = false, has_to = false;
	int r;

	if (snprintf(dbuf, sizeof(dbuf), "%s", path) >= (int)sizeof(dbuf) ||
	    snprintf(bbuf, sizeof(bbuf), "%s", path) >= (int)sizeof(bbuf))
		return -ENAMETOOLONG;
	strbuf_init(&out, 0);
	r = load_usersfile(path, &data, &len);
	for (size_t i = 0; r == 0 && i < len;) {
		const char *line = data + i, *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i, t = 0;

		if (line_is_user(line, n, to)) {
			has_to = true;
			r = strbuf_add(&out, line, n) ?: strbuf_add(&out, "\n", 1);
		} else if (line_is_user(line, n, from)) {
			found = true;
			while (t < n && line[t] != ' ' && line[t] != '\t')
				t++;
			/* type, one tab, the new key, then everything after the old key */
			r = strbuf_add(&out, line, t) ?: strbuf_add(&out, "\t", 1)
				?: strbuf_add(&out, to, strlen(to));
			while (t < n && (line[t] == ' ' || line[t] == '\t'))
				t++;
			t += strlen(from);
			r = r ?: strbuf_add(&out, line + t, n - t) ?: strbuf_add(&out, "\n", 1);
		} else if (n > 0) {
			r = strbuf_add(&out, line, n) ?: strbuf_add(&out, "\n", 1);
		}
		i += n + 1;
	}
	if (r == 0 && !found)
		r = -ENOENT;
	if (r == 0 && has_to)
		r = -EEXIST; /* two secrets for one identity: an operator decides */
	if (r == 0)
		r = file_write_atomic(dirname(dbuf), basename(bbuf), out.buf ? out.buf : "",
				      out.len, 0600, 0, 0);
	wipe_free(data, len);
	strbuf_free(&out);
	return r;
}

int usersfile_rekey(const char *usersfile, const char *from, const char *to)
{
	char lockpath[PATH_MAX];
	int lockfd, r;

	if (!usersfile_valid_user(from) || !usersfile_valid_user(to))
		return -EINVAL;
	lockfd = lock_usersfile(usersfile, lockpath, sizeof(lockpath));
	if (lockfd < 0)
		return lockfd;
	r = rekey_locked(usersfile, from, to);
	unlock_usersfile(lockfd, lockpath);
	return r;
}

/*
 * The time field of lines we check ourselves: UTC, "2026-12-01T03:58:30Z"
 * (liboath writes local time with an "L", which repeats an hour when daylight
 * saving time ends; our replay rule must not). Both are read.
 */
#define UTC_TIME_FMT "%Y-%m-%dT%H:%M:%SZ"
#define OATH_TIME_FMT "%Y-%m-%dT%H:%M:%SL"

static time_t parse_stamp(const char *s)
{
	struct tm tm = {0};
	const char *end = strptime(s, UTC_TIME_FMT, &tm);

	if (end && *end == '\0')
		return timegm(&tm);
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, OATH_TIME_FMT, &tm);
	tm.tm_isdst = -1;
	return end && *end == '\0' ? mktime(&tm) : (time_t)-1;
}

/*
 * Per-user throttle (RFC 6238 section 5.2, issue 8 finding 2): at most
 * USERSFILE_MAX_FAILS failed codes per user per time step; after that the code is
 * refused without being checked. The counts live in "FILE.attempts" (root,
 * 0600, same checks as the usersfile) and change only under the usersfile
 * lock, so parallel logins cannot race past the limit whatever the PAM stack
 * says. Lines are "user step count"; only the current step's lines are kept.
 */
static int attempts_path(const char *usersfile, char *out, size_t n)
{
	return snprintf(out, n, "%s.attempts", usersfile) >= (int)n ? -ENAMETOOLONG : 0;
}

/* Failures recorded for user in step; 0 when none. Negative errno. */
static int attempts_get(const char *usersfile, const char *user, long long step)
{
	char path[PATH_MAX], *data = NULL, *cur, *save = NULL;
	size_t len = 0;
	int r = attempts_path(usersfile, path, sizeof(path)), count = 0;

	if (r == 0)
		r = load_usersfile(path, &data, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (cur = strtok_r(data, "\n", &save); cur; cur = strtok_r(NULL, "\n", &save)) {
		char *f[4];
		if (split_fields(cur, f, 4) == 3 && strcmp(f[0], user) == 0 &&
		    strtoll(f[1], NULL, 10) == step)
			count = (int)strtol(f[2], NULL, 10);
	}
	free(data);
	return count < 0 ? 0 : count;
}

/*
 * Record one more failure for user in step (or, with clear, forget user's
 * failures after an accepted code, as pam_faillock does), dropping other
 * steps' lines.
 */
static int attempts_update(const char *usersfile, const char *user, long long step, bool clear)
{
	char path[PATH_MAX], dbuf[PATH_MAX], bbuf[PATH_MAX], *data = NULL, *cur, *save = NULL;
	char line[USERSFILE_MAX_USER + 48];
	struct strbuf out;
	size_t len = 0;
	int r = attempts_path(usersfile, path, sizeof(path)), count = 0;

	if (r < 0)
		return r;
	snprintf(dbuf, sizeof(dbuf), "%s", path);
	snprintf(bbuf, sizeof(bbuf), "%s", path);
	strbuf_init(&out, 0);
	r = load_usersfile(path, &data, &len);
	if (r == -ENOENT)
		r = 0;
	for (cur = data ? strtok_r(data, "\n", &save) : NULL; r == 0 && cur;
	     cur = strtok_r(NULL, "\n", &save)) {
		char *f[4];
		if (split_fields(cur, f, 4) != 3 || strtoll(f[1], NULL, 10) != step)
			continue;
		if (strcmp(f[0], user) == 0) {
			count = (int)strtol(f[2], NULL, 10);
			continue;
		}
		snprintf(line, sizeof(line), "%s %s %s\n", f[0], f[1], f[2]);
		r = strbuf_add(&out, line, strlen(line));
	}
	if (r == 0 && !clear) {
		snprintf(line, sizeof(line), "%s %lld %d\n", user, step, count + 1);
		r = strbuf_add(&out, line, strlen(line));
	}
	if (r == 0)
		r = file_write_atomic(dirname(dbuf), basename(bbuf), out.buf ? out.buf : "",
				      out.len, 0600, 0, 0);
	free(data);
	strbuf_free(&out);
	return r;
}

/*
 * Verify every secret here, in one critical section under the project's lock
 * (issue 8 findings 5, 6): read the file, find the line, check the code with
 * liboath's oath_totp_validate2(), refuse a step not later than the recorded
 * one, record the accepted step in liboath's field layout (counter, otp, time)
 * with an atomic rewrite, unlock. liboath's usersfile authentication is not
 * used: it takes its own O_EXCL lock and checks outside ours.
 */
static int verify_locked(const char *usersfile, const char *user, const char *code, unsigned window,
			 time_t now, long long *accepted)
{
	unsigned char secret[TOTP_MAX_SECRET_BYTES];
	char lockpath[PATH_MAX], line[96 + USERSFILE_MAX_USER + 2 * TOTP_MAX_SECRET_BYTES];
	char *data = NULL, *cur, *save = NULL, stamp[32];
	size_t len = 0, slen = 0;
	int lockfd, r, pos = 0;

	lockfd = lock_usersfile(usersfile, lockpath, sizeof(lockpath));
	if (lockfd < 0)
		return lockfd;
	r = load_usersfile(usersfile, &data, &len);
	if (r < 0)
		goto out;
	r = -ENOENT;
	for (cur = strtok_r(data, "\n", &save); cur; cur = strtok_r(NULL, "\n", &save)) {
		char *f[8];
		unsigned period, digits;
		size_t n;
		long long last_step = -1, step, now_step;

		if (line_is_comment(cur))
			continue;
		n = split_fields(cur, f, 8);
		if (n < 4 || strcmp(f[1], user) != 0)
			continue;
		r = parse_type(f[0], &period, &digits);
		if (r == 0 && period == 0)
			r = -EBADMSG; /* event-based HOTP is liboath's business */
		/* A PIN is a password liboath checks (we pass ""): like liboath, refuse. */
		if (r == 0 && strcmp(f[2], "-") != 0)
			r = -EACCES;
		if (r == 0)
			r = hex_decode(f[3], secret, sizeof(secret), &slen);
		if (r < 0)
			break;
		if (n >= 7) {
			time_t t = parse_stamp(f[6]);
			if (t == (time_t)-1) {
				r = -EBADMSG;
				break;
			}
			last_step = (long long)(t / (time_t)period);
		}
		now_step = (long long)(now / (time_t)period);
		r = attempts_get(usersfile, user, now_step);
		if (r < 0)
			break;
		if (r >= USERSFILE_MAX_FAILS) {
			r = -EUSERS; /* throttled: the code is not looked at */
			break;
		}
		if (oath_init() != OATH_OK) {
			r = -EIO;
			break;
		}
		r = oath_totp_validate2((const char *)secret, slen, now, period, 0, window, &pos,
					code);
		oath_done();
		if (r < 0) {
			r = attempts_update(usersfile, user, now_step, false) ?: -EACCES;
			break;
		}
		step = (long long)(now / (time_t)period) + pos;
		/*
		 * A recorded step beyond now + window was accepted while the clock
		 * was ahead (issue 8 finding 13). Honouring it would refuse every
		 * code as "already used" until the clock catches up: log the clock
		 * error (no secret) and judge this code on its own.
		 */
		if (last_step > (long long)(now / (time_t)period) + (long long)window) {
			syslog(LOG_AUTHPRIV | LOG_WARNING,
			       "iam-login: totp: last accepted step for %s is %lld steps in "
			       "the future; clock was ahead, ignoring it",
			       user, last_step - (long long)(now / (time_t)period));
			last_step = -1;
		}
		if (step <= last_step) {
			r = attempts_update(usersfile, user, now_step, false) ?: -EALREADY;
			break;
		}
		{
			time_t at = (time_t)(step * period);
			struct tm tm;
			if (!gmtime_r(&at, &tm) ||
			    strftime(stamp, sizeof(stamp), UTC_TIME_FMT, &tm) == 0) {
				r = -EIO;
				break;
			}
		}
		/* a cut line would lose the time field, and with it the replay check */
		if (snprintf(line, sizeof(line), "%s\t%s\t%s\t%s\t0\t%s\t%s\n", f[0], f[1], f[2],
			     f[3], code, stamp) >= (int)sizeof(line)) {
			wipe(line);
			r = -EBADMSG;
			break;
		}
		r = rewrite_locked(usersfile, user, line);
		wipe(line);
		if (r == 0 && accepted)
			*accepted = step;
		if (r == 0 && attempts_get(usersfile, user, now_step) > 0)
			(void)attempts_update(usersfile, user, now_step, true); /* best effort */
		break;
	}
out:
	unlock_usersfile(lockfd, lockpath);
	wipe(secret);
	wipe_free(data, len);
	return r;
}

int usersfile_verify_at(const char *usersfile, const char *user, const char *code, unsigned window,
			time_t now, long long *step)
{
	struct usersfile_status st;
	int r;

	r = usersfile_status(usersfile, user, &st);
	if (r < 0)
		return r;
	if (!code || !totp_code_shape_ok(code, st.digits))
		return -EINVAL;
	return verify_locked(usersfile, user, code, window, now, step);
}

int usersfile_verify(const char *usersfile, const char *user, const char *code, unsigned window,
		     long long *step)
{
	return usersfile_verify_at(usersfile, user, code, window, time(NULL), step);
}

int usersfile_enrol(const char *usersfile, const char *user, const unsigned char *secret,
		    size_t secret_len, unsigned digits, unsigned period)
{
	char line[64 + USERSFILE_MAX_USER + 2 * TOTP_MAX_SECRET_BYTES];
	char secret_hex[2 * TOTP_MAX_SECRET_BYTES + 1];
	int r;

	if (!usersfile_valid_user(user))
		return -EINVAL;
	if (secret_len < 10 || secret_len > TOTP_MAX_SECRET_BYTES || digits < TOTP_MIN_DIGITS ||
	    digits > TOTP_MAX_DIGITS || period == 0 || period > 3600)
		return -EINVAL;
	hex_encode_lower(secret, secret_len, secret_hex);
	snprintf(line, sizeof(line), "HOTP/T%u/%u\t%s\t-\t%s\n", period, digits, user, secret_hex);
	r = rewrite_usersfile(usersfile, user, line);
	wipe(secret_hex);
	wipe(line);
	return r;
}

int usersfile_remove(const char *usersfile, const char *user)
{
	if (!usersfile_valid_user(user))
		return -ENOENT;
	return rewrite_usersfile(usersfile, user, NULL);
}
