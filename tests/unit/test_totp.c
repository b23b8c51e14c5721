/* Unit tests for common/mfa/totp.c: base32, otpauth URIs, codes, usersfile handling. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/file.h"
#include "mfa/totp.h"
#include "mfa/otpauth.h"
#include "base/base32.h"
#include "mfa/usersfile.h"
#include "mfa/usersfile_internal.h"
#include "testutil.h"
#include "base/wipe.h"

/* RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890". */
static const unsigned char rfc_seed[] = "12345678901234567890";

struct tmp {
	char dir[200];
	char file[256];
};

static int tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	tu_mkdtemp(t->dir, sizeof(t->dir), "test_totp");
	snprintf(t->file, sizeof(t->file), "%s/totp.users", t->dir);
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmp *t = *state;

	tu_rm_tree(t->dir);
	free(t);
	return 0;
}

static void test_base32_rfc4648(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {{"", ""},
		 {"f", "MY"},
		 {"fo", "MZXQ"},
		 {"foo", "MZXW6"},
		 {"foob", "MZXW6YQ"},
		 {"fooba", "MZXW6YTB"},
		 {"foobar", "MZXW6YTBOI"}};
	(void)state;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *enc = NULL;
		unsigned char dec[16];
		size_t n = 99;

		assert_int_equal(
		    base32_encode((const unsigned char *)v[i].in, strlen(v[i].in), &enc), 0);
		assert_string_equal(enc, v[i].out);
		assert_int_equal(base32_decode(enc, dec, sizeof(dec), &n), 0);
		assert_int_equal(n, strlen(v[i].in));
		assert_memory_equal(dec, v[i].in, n);
		wipe_free_str(enc);
	}
}

static void test_base32_decode_lenient_and_hostile(void **state)
{
	unsigned char out[8];
	size_t n = 0;
	(void)state;

	/* lower case, padding and grouping spaces are accepted (authenticator apps show them) */
	assert_int_equal(base32_decode("mzxw 6ytb oi======", out, sizeof(out), &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(base32_decode("MZXW1", out, sizeof(out), &n), -EINVAL);
	assert_int_equal(base32_decode("MZXW6YTBOIMZXW6YTBOI", out, sizeof(out), &n), -E2BIG);
}

static void test_uri_percent_encoding(void **state)
{
	char *uri = NULL;
	(void)state;

	assert_int_equal(
	    otpauth_uri("Example Co", "alice@example.com", "JBSWY3DPEHPK3PXP", 6, 30, &uri), 0);
	assert_string_equal(uri, "otpauth://totp/Example%20Co:alice%40example.com"
				 "?secret=JBSWY3DPEHPK3PXP&issuer=Example%20Co"
				 "&algorithm=SHA1&digits=6&period=30");
	wipe_free_str(uri);
	/* reserved and non-ASCII bytes are escaped; unreserved ones are kept */
	assert_int_equal(otpauth_uri("a:b/c?d&e=f", "x.y_z~-\xc3\xa9#", "MZXW6", 8, 60, &uri), 0);
	assert_string_equal(uri, "otpauth://totp/a%3Ab%2Fc%3Fd%26e%3Df:x.y_z~-%C3%A9%23"
				 "?secret=MZXW6&issuer=a%3Ab%2Fc%3Fd%26e%3Df"
				 "&algorithm=SHA1&digits=8&period=60");
	wipe_free_str(uri);
	assert_int_equal(otpauth_uri("", "alice", "MZXW6", 6, 30, &uri), -EINVAL);
}

static void test_rfc6238_vectors(void **state)
{
	static const struct {
		time_t t;
		const char *code;
	} v[] = {{59, "94287082"},
		 {1111111109, "07081804"},
		 {1111111111, "14050471"},
		 {1234567890, "89005924"},
		 {2000000000, "69279037"}};
	char code[16];
	(void)state;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(totp_code_at(rfc_seed, 20, v[i].t, 8, 30, code, sizeof(code)), 0);
		assert_string_equal(code, v[i].code);
	}
	assert_int_equal(totp_code_at(rfc_seed, 20, 59, 6, 30, code, sizeof(code)), 0);
	assert_string_equal(code, "287082");
	assert_int_equal(totp_code_at(rfc_seed, 20, 59, 6, 30, code, 6), -EINVAL);
}

static void test_check_code_window_fixed_time(void **state)
{
	const time_t now = 1111111111;
	char code[16];
	(void)state;

	for (int step = -1; step <= 1; step++) {
		assert_int_equal(totp_code_at(rfc_seed, 20, now + step * 30, 6, 30, code, 16), 0);
		assert_int_equal(totp_check_code(rfc_seed, 20, now, 6, 30, 1, code), 0);
	}
	assert_int_equal(totp_code_at(rfc_seed, 20, now - 90, 6, 30, code, 16), 0);
	assert_int_equal(totp_check_code(rfc_seed, 20, now, 6, 30, 1, code), -EACCES);
	assert_int_equal(totp_check_code(rfc_seed, 20, now, 6, 30, 3, code), 0);
	assert_int_equal(totp_code_at(rfc_seed, 20, now + 120, 6, 30, code, 16), 0);
	assert_int_equal(totp_check_code(rfc_seed, 20, now, 6, 30, 1, code), -EACCES);
	assert_int_equal(totp_check_code(rfc_seed, 20, now, 6, 30, 1, "12345a"), -EINVAL);
	assert_int_equal(totp_check_code(rfc_seed, 20, now, 6, 30, 1, "1234567"), -EINVAL);
	assert_int_equal(totp_check_code(rfc_seed, 20, now, 6, 30, 1, ""), -EINVAL);
}

static void test_valid_user(void **state)
{
	(void)state;
	assert_true(usersfile_valid_user("alice"));
	assert_true(usersfile_valid_user("alice.smith@example.com"));
	assert_false(usersfile_valid_user(""));
	assert_false(usersfile_valid_user("al ice"));
	assert_false(usersfile_valid_user("alice\n"));
	assert_false(usersfile_valid_user("-"));
	assert_false(usersfile_valid_user("#alice"));
	assert_false(usersfile_valid_user("a/b"));
	assert_false(usersfile_valid_user(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 65 */
}

static void test_enrol_preserves_other_lines(void **state)
{
	struct tmp *t = *state;
	const char *before = "# managed by iam-login\n"
			     "HOTP/T30/6\tbob\t-\t2222222222222222222222222222222222222222\t0\t"
			     "123456\t2026-01-01T00:00:00L\n"
			     "HOTP/T30/6\talice\t-\t1111111111111111111111111111111111111111\n"
			     "HOTP/T30/6\tcarol\t-\t3333333333333333333333333333333333333333\n";
	unsigned char secret[TOTP_SECRET_BYTES];
	struct usersfile_status st;
	struct stat sb;
	char *text;

	tu_write_text(t->file, before, 0600);
	memset(secret, 0xab, sizeof(secret));
	assert_int_equal(usersfile_enrol(t->file, "alice", secret, sizeof(secret), 6, 30), 0);
	text = tu_read_file(t->file, NULL);
	assert_string_equal(text,
			    "# managed by iam-login\n"
			    "HOTP/T30/6\tbob\t-\t2222222222222222222222222222222222222222\t0\t"
			    "123456\t2026-01-01T00:00:00L\n"
			    "HOTP/T30/6\tcarol\t-\t3333333333333333333333333333333333333333\n"
			    "HOTP/T30/6\talice\t-\tabababababababababababababababababababab\n");
	free(text);
	assert_int_equal(stat(t->file, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_uid, 0);
	/* no lock file left behind */
	{
		char lock[300];
		snprintf(lock, sizeof(lock), "%s.lock", t->file);
		assert_int_equal(access(lock, F_OK), -1);
	}

	assert_int_equal(usersfile_status(t->file, "bob", &st), 0);
	assert_int_equal(st.digits, 6);
	assert_int_equal(st.period, 30);
	assert_string_equal(st.last_used, "2026-01-01T00:00:00L");
	assert_int_equal(usersfile_status(t->file, "alice", &st), 0);
	assert_string_equal(st.last_used, "");
	/* a prefix of a user name is not that user */
	assert_int_equal(usersfile_status(t->file, "bo", &st), -ENOENT);
	assert_int_equal(usersfile_status(t->file, "dave", &st), -ENOENT);

	assert_int_equal(usersfile_remove(t->file, "bob"), 0);
	assert_int_equal(usersfile_remove(t->file, "bob"), -ENOENT);
	text = tu_read_file(t->file, NULL);
	assert_string_equal(text,
			    "# managed by iam-login\n"
			    "HOTP/T30/6\tcarol\t-\t3333333333333333333333333333333333333333\n"
			    "HOTP/T30/6\talice\t-\tabababababababababababababababababababab\n");
	free(text);
}

static void test_enrol_creates_file(void **state)
{
	struct tmp *t = *state;
	unsigned char secret[TOTP_SECRET_BYTES] = {0};
	struct usersfile_status st;
	struct stat sb;

	assert_int_equal(usersfile_status(t->file, "alice", &st), -ENOENT);
	assert_int_equal(usersfile_remove(t->file, "alice"), -ENOENT);
	assert_int_equal(totp_new_secret(secret, sizeof(secret)), 0);
	assert_int_equal(usersfile_enrol(t->file, "alice", secret, sizeof(secret), 8, 60), 0);
	assert_int_equal(stat(t->file, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(usersfile_status(t->file, "alice", &st), 0);
	assert_int_equal(st.digits, 8);
	assert_int_equal(st.period, 60);
	assert_int_equal(usersfile_enrol(t->file, "bad user", secret, sizeof(secret), 6, 30),
			 -EINVAL);
	assert_int_equal(usersfile_enrol(t->file, "alice", secret, 4, 6, 30), -EINVAL);
	assert_int_equal(usersfile_enrol(t->file, "alice", secret, sizeof(secret), 9, 30), -EINVAL);
}

static void test_refuses_insecure_file(void **state)
{
	struct tmp *t = *state;
	unsigned char secret[TOTP_SECRET_BYTES] = {1};
	struct usersfile_status st;
	char link[300];

	tu_write_text(t->file, "HOTP/T30/6\talice\t-\t1111111111111111111111111111111111111111\n",
		      0644);
	assert_int_equal(usersfile_check(t->file), -EPERM);
	assert_int_equal(usersfile_status(t->file, "alice", &st), -EPERM);
	assert_int_equal(usersfile_verify(t->file, "alice", "123456", 1, NULL), -EPERM);
	assert_int_equal(usersfile_enrol(t->file, "bob", secret, sizeof(secret), 6, 30), -EPERM);
	assert_int_equal(chmod(t->file, 0640), 0);
	assert_int_equal(usersfile_check(t->file), -EPERM);
	assert_int_equal(chmod(t->file, 0600), 0);
	assert_int_equal(usersfile_check(t->file), 0);
	assert_int_equal(chown(t->file, 1000, 0), 0);
	assert_int_equal(usersfile_check(t->file), -EPERM);
	assert_int_equal(chown(t->file, 0, 0), 0);
	snprintf(link, sizeof(link), "%s/link", t->dir);
	assert_int_equal(symlink(t->file, link), 0);
	assert_int_equal(usersfile_check(link), -EPERM);
	assert_int_equal(usersfile_status(link, "alice", &st), -EPERM);
}

/* A 6-digit code that is not valid for secret anywhere within +-window of now. */
static void wrong_code(const unsigned char *secret, time_t now, char *out)
{
	for (unsigned c = 0;; c++) {
		bool hit = false;
		snprintf(out, 7, "%06u", c);
		for (int s = -3; s <= 3 && !hit; s++) {
			char code[16];
			assert_int_equal(totp_code_at(secret, 20, now + s * 30, 6, 30, code, 16),
					 0);
			hit = strcmp(code, out) == 0;
		}
		if (!hit)
			return;
	}
}

static void test_verify_right_wrong_replayed(void **state)
{
	struct tmp *t = *state;
	unsigned char secret[TOTP_SECRET_BYTES];
	char code[16], bad[8];
	struct usersfile_status st;
	time_t now;

	assert_int_equal(totp_new_secret(secret, sizeof(secret)), 0);
	assert_int_equal(usersfile_enrol(t->file, "alice", secret, sizeof(secret), 6, 30), 0);
	assert_int_equal(usersfile_enrol(t->file, "bob", secret, sizeof(secret), 6, 30), 0);
	now = time(NULL);
	/* stay clear of a step boundary so "now" means the same step for liboath */
	if (now % 30 > 27) {
		sleep(3);
		now = time(NULL);
	}
	wrong_code(secret, now, bad);
	assert_int_equal(usersfile_verify(t->file, "alice", bad, 1, NULL), -EACCES);
	assert_int_equal(totp_code_at(secret, sizeof(secret), now - 10 * 30, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL),
			 -EACCES); /* outside window */
	assert_int_equal(totp_code_at(secret, sizeof(secret), now, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), -EALREADY); /* replay */
	/* the previous step's code is older than the one used: also refused as a replay */
	assert_int_equal(totp_code_at(secret, sizeof(secret), now - 30, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), -EALREADY);
	/* replay state is per user: bob may use the same code once */
	assert_int_equal(totp_code_at(secret, sizeof(secret), now, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "bob", code, 1, NULL), 0);
	/* shape checks happen before liboath sees the code */
	assert_int_equal(usersfile_verify(t->file, "alice", "", 1, NULL), -EINVAL);
	assert_int_equal(usersfile_verify(t->file, "alice", "12345", 1, NULL), -EINVAL);
	assert_int_equal(usersfile_verify(t->file, "alice", "1234567", 1, NULL), -EINVAL);
	assert_int_equal(usersfile_verify(t->file, "alice", "12 456", 1, NULL), -EINVAL);
	assert_int_equal(usersfile_verify(t->file, "carol", code, 1, NULL), -ENOENT);
	/* liboath's rewrite kept the file private, and the last use is recorded */
	assert_int_equal(usersfile_check(t->file), 0);
	assert_int_equal(usersfile_status(t->file, "alice", &st), 0);
	assert_true(st.last_used[0] != '\0');
	wipe(secret);
}

/* IAM's virtual MFA seeds are 40 bytes: more than liboath's usersfile parser takes. */
static void test_verify_long_secret(void **state)
{
	struct tmp *t = *state;
	unsigned char secret[40], shorts[TOTP_SECRET_BYTES];
	char code[16], bad[8], *text;
	struct usersfile_status st;
	time_t now;

	assert_int_equal(totp_new_secret(secret, sizeof(secret)), 0);
	assert_int_equal(totp_new_secret(shorts, sizeof(shorts)), 0);
	assert_int_equal(usersfile_enrol(t->file, "bob", shorts, sizeof(shorts), 6, 30), 0);
	assert_int_equal(usersfile_enrol(t->file, "alice", secret, sizeof(secret), 6, 30), 0);
	assert_int_equal(usersfile_status(t->file, "alice", &st), 0);
	assert_int_equal(st.secret_bytes, 40);
	now = time(NULL);
	if (now % 30 > 25) {
		sleep(5);
		now = time(NULL);
	}
	for (unsigned c = 0;; c++) {
		bool hit = false;
		snprintf(bad, sizeof(bad), "%06u", c);
		for (int s = -3; s <= 3 && !hit; s++) {
			assert_int_equal(totp_code_at(secret, 40, now + s * 30, 6, 30, code, 16),
					 0);
			hit = strcmp(code, bad) == 0;
		}
		if (!hit)
			break;
	}
	assert_int_equal(usersfile_verify(t->file, "alice", bad, 1, NULL), -EACCES);
	assert_int_equal(totp_code_at(secret, 40, now - 300, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), -EACCES);
	assert_int_equal(totp_code_at(secret, 40, now, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), -EALREADY);
	assert_int_equal(totp_code_at(secret, 40, now - 30, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), -EALREADY);
	/* a later step is fine once, then the current one counts as replayed */
	assert_int_equal(totp_code_at(secret, 40, now + 30, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), 0);
	assert_int_equal(totp_code_at(secret, 40, now, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), -EALREADY);
	/* the line keeps liboath's layout: type user pin secret counter otp time */
	assert_int_equal(usersfile_status(t->file, "alice", &st), 0);
	assert_int_equal(strlen(st.last_used), 20);
	assert_int_equal(st.last_used[19], 'Z'); /* UTC: no repeated hour at the end of DST */
	assert_int_equal(usersfile_check(t->file), 0);
	/* short secrets still go through liboath, untouched by the rewrite */
	assert_int_equal(totp_code_at(shorts, sizeof(shorts), now, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "bob", code, 1, NULL), 0);
	assert_int_equal(usersfile_verify(t->file, "bob", code, 1, NULL), -EALREADY);
	text = tu_read_file(t->file, NULL);
	assert_non_null(strstr(text, "\talice\t-\t"));
	free(text);
	wipe(secret);
	wipe(shorts);
}

/*
 * A lock file left behind by a process killed while holding it is not a held
 * lock: enrol, remove and the long-secret check still work (and clean it up,
 * which also unblocks liboath's O_EXCL lock), while a lock another process
 * really holds still makes them wait and give up.
 */
/*
 * issue 8 finding 5: a lock file left by a killed process (liboath's O_EXCL
 * "FILE.lock", or our own lock held by a process killed with SIGKILL) must
 * not stop verification, enrolment or removal.
 */
static void test_stale_lock_file(void **state)
{
	struct tmp *t = *state;
	unsigned char secret[40];
	char lock[300], ourlock[300], code[16];
	struct usersfile_status st;
	int fd, pfd[2];
	pid_t pid;
	char c;

	snprintf(lock, sizeof(lock), "%s.lock", t->file);
	snprintf(ourlock, sizeof(ourlock), "%s.iam-lock", t->file);
	assert_int_equal(totp_new_secret(secret, sizeof(secret)), 0);
	tu_write_text(lock, "", 0600); /* liboath's leftover: irrelevant to us */
	assert_int_equal(usersfile_enrol(t->file, "alice", secret, sizeof(secret), 6, 30), 0);
	assert_int_equal(usersfile_status(t->file, "alice", &st), 0);
	assert_int_equal(totp_code_at(secret, sizeof(secret), time(NULL), 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), 0);

	/* our lock held by another process, which is then killed: the kernel frees it */
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		fd = open(ourlock, O_RDWR);
		if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0)
			_exit(1);
		(void)!write(pfd[1], "x", 1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(totp_code_at(secret, sizeof(secret), time(NULL) + 30, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), 0);
	assert_int_equal(usersfile_remove(t->file, "alice"), 0);
	/* a lock file root does not own exclusively is refused, not used */
	assert_int_equal(chmod(ourlock, 0644), 0);
	assert_int_equal(usersfile_enrol(t->file, "alice", secret, sizeof(secret), 6, 30), -EPERM);
	wipe(secret);
}

/* Fork n children that each verify (user i or user 0) with code; count accepted. */
static int race_verify(const char *file, int n, bool same_user, const char *code, time_t now)
{
	pid_t pids[32];
	int ok = 0, pfd[2];

	assert_true(n <= 32);
	assert_int_equal(pipe(pfd), 0);
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char user[16], ch;
			snprintf(user, sizeof(user), "u%d", same_user ? 0 : i);
			close(pfd[1]);
			(void)!read(pfd[0], &ch, 1); /* start together */
			_exit(usersfile_verify_at(file, user, code, 1, now, NULL) == 0 ? 0 : 1);
		}
	}
	close(pfd[0]);
	close(pfd[1]); /* EOF releases every child at once */
	for (int i = 0; i < n; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	}
	return ok;
}

/* issue 8 finding 6: one code accepted once; simultaneous correct codes all accepted. */
static void test_verify_concurrent(void **state)
{
	struct tmp *t = *state;
	unsigned char secret[TOTP_SECRET_BYTES];
	char code[16], user[16];
	time_t now = 1800000000;

	assert_int_equal(totp_new_secret(secret, sizeof(secret)), 0);
	for (int i = 0; i < 16; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		assert_int_equal(usersfile_enrol(t->file, user, secret, sizeof(secret), 6, 30), 0);
	}
	assert_int_equal(totp_code_at(secret, sizeof(secret), now, 6, 30, code, 16), 0);
	assert_int_equal(race_verify(t->file, 16, true, code, now), 1);
	assert_int_equal(totp_code_at(secret, sizeof(secret), now + 30, 6, 30, code, 16), 0);
	assert_int_equal(race_verify(t->file, 16, false, code, now + 30), 16);
	wipe(secret);
}

/* issue 8 finding 2: USERSFILE_MAX_FAILS wrong codes in a step, then refused unchecked. */
static void test_throttle(void **state)
{
	struct tmp *t = *state;
	unsigned char secret[TOTP_SECRET_BYTES];
	char code[16], bad[8], path[300];
	time_t now = 1800000000; /* step start: now + 29 is the same step */
	pid_t pids[8];
	int accepted = 0;

	assert_int_equal(totp_new_secret(secret, sizeof(secret)), 0);
	assert_int_equal(usersfile_enrol(t->file, "alice", secret, sizeof(secret), 6, 30), 0);
	assert_int_equal(usersfile_enrol(t->file, "bob", secret, sizeof(secret), 6, 30), 0);
	wrong_code(secret, now, bad);
	for (int i = 0; i < USERSFILE_MAX_FAILS; i++)
		assert_int_equal(usersfile_verify_at(t->file, "alice", bad, 1, now, NULL), -EACCES);
	assert_int_equal(totp_code_at(secret, sizeof(secret), now, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify_at(t->file, "alice", code, 1, now + 29, NULL), -EUSERS);
	/* another user is not affected, and the state is root-only */
	assert_int_equal(usersfile_verify_at(t->file, "bob", code, 1, now, NULL), 0);
	snprintf(path, sizeof(path), "%s.attempts", t->file);
	assert_int_equal(usersfile_check(path), 0);
	/* the next step brings new attempts */
	assert_int_equal(totp_code_at(secret, sizeof(secret), now + 30, 6, 30, code, 16), 0);
	assert_int_equal(usersfile_verify_at(t->file, "alice", code, 1, now + 30, NULL), 0);

	/* in parallel: 8 guessers in one step get at most USERSFILE_MAX_FAILS checked */
	wrong_code(secret, now + 90, bad);
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(usersfile_verify_at(t->file, "alice", bad, 1, now + 90, NULL) ==
				      -EACCES
				  ? 0
				  : 1);
	}
	for (int i = 0; i < 8; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		accepted += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	assert_int_equal(accepted, USERSFILE_MAX_FAILS);
	wipe(secret);
}

/*
 * issue 8 finding 13: a code accepted while the clock was 2 h ahead must not
 * make every code "already used" once the clock is right again.
 */
static void test_clock_went_back(void **state)
{
	struct tmp *t = *state;
	unsigned char secret[40];
	char code[16];
	time_t now = 1800000000, ahead = now + 7200;

	assert_int_equal(totp_new_secret(secret, sizeof(secret)), 0);
	for (size_t len = 20; len <= 40; len += 20) {
		assert_int_equal(usersfile_enrol(t->file, "alice", secret, len, 6, 30), 0);
		assert_int_equal(totp_code_at(secret, len, ahead, 6, 30, code, 16), 0);
		assert_int_equal(usersfile_verify_at(t->file, "alice", code, 1, ahead, NULL), 0);
		assert_int_equal(totp_code_at(secret, len, now, 6, 30, code, 16), 0);
		assert_int_equal(usersfile_verify_at(t->file, "alice", code, 1, now, NULL), 0);
		/* and the replay rule holds again from the corrected step on */
		assert_int_equal(usersfile_verify_at(t->file, "alice", code, 1, now, NULL),
				 -EALREADY);
		/* a recorded step inside the window is still a replay guard */
		assert_int_equal(totp_code_at(secret, len, now - 30, 6, 30, code, 16), 0);
		assert_int_equal(usersfile_verify_at(t->file, "alice", code, 1, now, NULL),
				 -EALREADY);
	}
	wipe(secret);
}

/*
 * Long secrets are checked here, not by liboath: the same rules must hold. A
 * line with a PIN is refused (liboath refuses it for the empty password
 * pam_iam passes), and a line too long to rewrite whole fails instead of
 * losing the time field that stops a replay.
 */
static void test_long_secret_line_rules(void **state)
{
	struct tmp *t = *state;
	unsigned char secret[40];
	char hex[81], code[16], text[1024], type[400], *after;
	static const char h[] = "0123456789abcdef";

	assert_int_equal(totp_new_secret(secret, sizeof(secret)), 0);
	for (size_t i = 0; i < sizeof(secret); i++) {
		hex[2 * i] = h[secret[i] >> 4];
		hex[2 * i + 1] = h[secret[i] & 15];
	}
	hex[80] = '\0';
	assert_int_equal(totp_code_at(secret, sizeof(secret), time(NULL), 6, 30, code, 16), 0);

	snprintf(text, sizeof(text), "HOTP/T30/6\talice\t1234\t%s\n", hex);
	tu_write_text(t->file, text, 0600);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), -EACCES);
	after = tu_read_file(t->file, NULL);
	assert_string_equal(after, text);
	free(after);

	/* "HOTP/T30/000...06": a valid type, longer than the rewritten line allows */
	snprintf(type, sizeof(type), "HOTP/T30/%0300d", 6);
	snprintf(text, sizeof(text), "%s\talice\t-\t%s\n", type, hex);
	tu_write_text(t->file, text, 0600);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), -EBADMSG);
	assert_int_equal(usersfile_verify(t->file, "alice", code, 1, NULL), -EBADMSG);
	after = tu_read_file(t->file, NULL);
	assert_string_equal(after, text);
	free(after);
	wipe(secret);
	wipe(hex);
	wipe(text);
}

/* Damaged or odd lines: errors, never crashes, and kept verbatim by rewrites. */
static void test_hostile_lines(void **state)
{
	struct tmp *t = *state;
	char longhex[300], text[1200], *after;
	unsigned char secret[TOTP_SECRET_BYTES] = {7};
	struct usersfile_status st;

	memset(longhex, 'a', sizeof(longhex) - 1);
	longhex[sizeof(longhex) - 1] = '\0';
	snprintf(
	    text, sizeof(text),
	    "HOTP/T30/6\tshort\n"
	    "HOTP/T0/6\tzerostep\t-\t00112233445566778899\n"
	    "HOTP/T30/99\tninetynine\t-\t00112233445566778899\n"
	    "TOTP/T30/6\tnothotp\t-\t00112233445566778899\n"
	    "HOTP/T30/"
	    "6\tnothex\t-\tzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n"
	    "HOTP/T30/6\ttoolong\t-\t%s\n"
	    "HOTP/T30/6\tbadtime\t-\t%.80s\t0\t123456\tyesterday\n"
	    "\n\n   \n",
	    longhex, longhex);
	tu_write_text(t->file, text, 0600);
	assert_int_equal(usersfile_status(t->file, "short", &st), -ENOENT);
	assert_int_equal(usersfile_status(t->file, "zerostep", &st), -EBADMSG);
	assert_int_equal(usersfile_status(t->file, "ninetynine", &st), -EBADMSG);
	assert_int_equal(usersfile_status(t->file, "nothotp", &st), -EBADMSG);
	assert_int_equal(usersfile_verify(t->file, "zerostep", "123456", 1, NULL), -EBADMSG);
	/* liboath refuses a non-hex secret; the long path refuses too long / bad time */
	assert_true(usersfile_verify(t->file, "nothex", "123456", 1, NULL) < 0);
	assert_int_equal(usersfile_verify(t->file, "toolong", "123456", 1, NULL), -EBADMSG);
	assert_int_equal(usersfile_verify(t->file, "badtime", "123456", 1, NULL), -EBADMSG);
	/* an enrolment keeps every other line as it was (blank lines dropped) */
	assert_int_equal(usersfile_enrol(t->file, "alice", secret, sizeof(secret), 6, 30), 0);
	after = tu_read_file(t->file, NULL);
	assert_non_null(strstr(after, "HOTP/T30/6\tshort\n"));
	assert_non_null(strstr(after, "HOTP/T0/6\tzerostep\t-\t00112233445566778899\n"));
	assert_non_null(strstr(after, longhex));
	assert_null(strstr(after, "\n\n"));
	free(after);
	/* a file over the size limit is refused, not read */
	{
		int fd = open(t->file, O_WRONLY | O_APPEND);
		char block[65536];
		memset(block, '#', sizeof(block));
		for (unsigned i = 0; i <= USERSFILE_MAX_BYTES / sizeof(block); i++)
			assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
		close(fd);
	}
	assert_int_equal(usersfile_status(t->file, "alice", &st), -EFBIG);
	assert_int_equal(usersfile_verify(t->file, "alice", "123456", 1, NULL), -EFBIG);
}

/*
 * Issue 14: a NUL in the usersfile hid every later line from the status reader
 * (strtok stops there) while the rewriter saw them: an enrolled user read as
 * "not enrolled", which under if-enrolled is a login without a code. Any byte
 * the writer never writes makes the whole file damaged (-EUCLEAN) for every
 * reader and writer: fail closed, nothing rewritten.
 */
static void test_damaged_bytes(void **state)
{
	struct tmp *t = *state;
	static const char nul[] =
	    "HOTP/T30/6\tbob\t-\t2222222222222222222222222222222222222222\n"
	    "\0"
	    "HOTP/T30/6\talice\t-\t1111111111111111111111111111111111111111\n";
	unsigned char secret[TOTP_SECRET_BYTES] = {1};
	struct usersfile_status st;
	char *text;

	tu_write_file(t->file, nul, sizeof(nul) - 1, 0600);
	assert_int_equal(usersfile_status(t->file, "alice", &st), -EUCLEAN);
	assert_int_equal(usersfile_status(t->file, "bob", &st), -EUCLEAN);
	assert_int_equal(usersfile_verify(t->file, "alice", "123456", 1, NULL), -EUCLEAN);
	assert_int_equal(usersfile_enrol(t->file, "carl", secret, sizeof(secret), 6, 30), -EUCLEAN);
	assert_int_equal(usersfile_remove(t->file, "alice"), -EUCLEAN);
	{
		/* nothing was rewritten: the damaged bytes are still all there */
		size_t len;
		char *back = tu_read_file(t->file, &len);
		assert_int_equal(len, sizeof(nul) - 1);
		assert_memory_equal(back, nul, sizeof(nul) - 1);
		free(back);
	}
	/* a carriage return, a DEL, a high byte: the same */
	tu_write_text(t->file, "HOTP/T30/6\talice\t-\t1111111111111111111111111111111111111111\r\n",
		      0600);
	assert_int_equal(usersfile_status(t->file, "alice", &st), -EUCLEAN);
	tu_write_text(t->file,
		      "# \x7f\nHOTP/T30/6\talice\t-\t1111111111111111111111111111111111111111\n",
		      0600);
	assert_int_equal(usersfile_status(t->file, "alice", &st), -EUCLEAN);
	tu_write_text(t->file, "# caf\xc3\xa9\n", 0600);
	assert_int_equal(usersfile_status(t->file, "alice", &st), -EUCLEAN);

	/* Leading blanks: the reader and the rewriter agree on which line is whose,
	 * so `mfa remove` clears the very line that status finds. */
	tu_write_text(t->file,
		      "  # a comment with blanks before it\n"
		      "  HOTP/T30/6\talice\t-\t1111111111111111111111111111111111111111\n"
		      "HOTP/T30/6\tbob\t-\t2222222222222222222222222222222222222222\n",
		      0600);
	assert_int_equal(usersfile_status(t->file, "alice", &st), 0);
	assert_int_equal(usersfile_remove(t->file, "alice"), 0);
	assert_int_equal(usersfile_status(t->file, "alice", &st), -ENOENT);
	text = tu_read_file(t->file, NULL);
	assert_null(strstr(text, "alice"));
	assert_non_null(strstr(text, "  # a comment with blanks before it\n"));
	assert_non_null(strstr(text, "\tbob\t"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base32_rfc4648),
	    cmocka_unit_test(test_base32_decode_lenient_and_hostile),
	    cmocka_unit_test(test_uri_percent_encoding),
	    cmocka_unit_test(test_rfc6238_vectors),
	    cmocka_unit_test(test_check_code_window_fixed_time),
	    cmocka_unit_test(test_valid_user),
	    cmocka_unit_test_setup_teardown(test_enrol_preserves_other_lines, tmp_setup,
					    tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_enrol_creates_file, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_bytes, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_refuses_insecure_file, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_verify_right_wrong_replayed, tmp_setup,
					    tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_verify_long_secret, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_lines, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_stale_lock_file, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_verify_concurrent, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_throttle, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_clock_went_back, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_long_secret_line_rules, tmp_setup, tmp_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
