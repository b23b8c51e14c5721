/* Key cache: entry format, corrupt entries, TTL decisions, single-flight, deadline, stale. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "keys/keycache.h"
#include "testutil.h"

#define ED "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEMnxRZ0xqOkUfTYNQW2c0ofbnZDTe7q96UUTISbDvFk"
#define ED_FP "SHA256:/6XzuAO2VV3xrSb15lhNWxo8jGZI6eU48XPEteBKkeo"
#define ARN "arn:aws:iam::123456789012:user/alice"
#define UID "AIDAALICE000000000001"

static const struct kc_policy policy = {300, 60, 86400, 0};
static int64_t fake_now = 1700000000;
static int64_t clock_fake(void)
{
	return fake_now;
}

static void make_entry(struct kc_entry *e, int64_t fetched, bool with_key)
{
	memset(e, 0, sizeof(*e));
	e->fetched = fetched;
	e->iam_id = strdup(UID);
	e->iam_arn = strdup(ARN);
	if (with_key)
		assert_int_equal(keycache_entry_add(e, "APKAAAAAAAAAAAAAAAA1", true, ED " me",
						    strlen(ED " me"), NULL),
				 0);
	assert_int_equal(keycache_entry_add(e, "APKAAAAAAAAAAAAAAAA2", false, NULL, 0, NULL), 0);
}

static void test_roundtrip(void **state)
{
	struct kc_entry e, d;
	char *buf;
	size_t len;

	(void)state;
	make_entry(&e, 1700000000, true);
	assert_int_equal(
	    keycache_entry_add(&e, "APKAAAAAAAAAAAAAAAA3", true, "command=\"x\" " ED, 50, NULL), 0);
	assert_non_null(e.keys[2].reject);
	assert_null(e.keys[2].line);
	assert_int_equal(keycache_entry_active(&e), 1);
	assert_int_equal(keycache_encode(&e, &buf, &len), 0);
	assert_string_equal(buf, "iam-login-keys 1\nfetched 1700000000\niam-id " UID "\narn " ARN
				 "\nkey APKAAAAAAAAAAAAAAAA1 Active " ED
				 " me\nkey APKAAAAAAAAAAAAAAAA2 Inactive -\n"
				 "key APKAAAAAAAAAAAAAAAA3 Active !key-type-not-allowed\nend\n");
	assert_int_equal(keycache_decode(buf, len, NULL, &d), 0);
	assert_int_equal(d.fetched, 1700000000);
	assert_string_equal(d.iam_arn, ARN);
	assert_int_equal(d.nkeys, 3);
	assert_string_equal(d.keys[0].line, ED " me");
	assert_string_equal(d.keys[0].fingerprint, ED_FP);
	assert_true(d.keys[0].active);
	assert_false(d.keys[1].active);
	assert_null(d.keys[1].line);
	assert_null(d.keys[2].line);
	assert_string_equal(d.keys[2].reject, "key type not allowed");
	assert_int_equal(keycache_entry_active(&d), 1);
	free(buf);
	keycache_entry_free(&e);
	keycache_entry_free(&d);
}

static void expect_corrupt(const char *s)
{
	struct kc_entry d;
	int r = keycache_decode(s, strlen(s), NULL, &d);

	if (r != -EBADMSG)
		fail_msg("accepted or wrong error %d for: %s", r, s);
	assert_null(d.keys);
	assert_null(d.iam_id);
}

#define HDR "iam-login-keys 1\nfetched 1700000000\niam-id " UID "\narn " ARN "\n"

static void test_corrupt(void **state)
{
	static const char nul[] = HDR "key APKA1 Active " ED "\0x\nend\n";
	struct kc_entry d;
	char *big;

	(void)state;
	expect_corrupt("");
	expect_corrupt(HDR);				   /* truncated: no end */
	expect_corrupt(HDR "key APKA1 Active " ED "\nen"); /* truncated mid-line */
	expect_corrupt(HDR "end");			   /* no final newline */
	expect_corrupt("iam-login-keys 2\nfetched 1\niam-id A\narn a\nend\n"); /* version */
	expect_corrupt(HDR "end\nkey APKA1 Active " ED "\n");		       /* data after end */
	expect_corrupt(HDR "key APKA1 Active command=\"sh\" " ED "\nend\n");   /* tampered */
	expect_corrupt(HDR "key APKA1 Active " ED " \x1b[1m\nend\n");	       /* control char */
	expect_corrupt(HDR "key APKA1 Active " ED "  x\nend\n"); /* not in reduced form */
	expect_corrupt(HDR "key APKA-1 Active " ED "\nend\n");	 /* bad id */
	expect_corrupt(HDR "key APKA1 Maybe " ED "\nend\n");	 /* bad status */
	expect_corrupt(HDR "bogus line\nend\n");
	expect_corrupt(HDR "key APKA1 Active !Bad\nend\n"); /* reason outside [a-z-] */
	expect_corrupt(HDR "key APKA1 Active !\nend\n");
	expect_corrupt("iam-login-keys 1\nfetched -5\niam-id " UID "\narn " ARN "\nend\n");
	expect_corrupt("iam-login-keys 1\nfetched 12x\niam-id " UID "\narn " ARN "\nend\n");
	expect_corrupt("iam-login-keys 1\nfetched 1\niam-id " UID "\narn a b\nend\n");
	assert_int_equal(keycache_decode(nul, sizeof(nul) - 1, NULL, &d), -EBADMSG);
	big = malloc(KC_MAX_ENTRY + 10);
	assert_non_null(big);
	memset(big, 'x', KC_MAX_ENTRY + 9);
	big[KC_MAX_ENTRY + 9] = '\0';
	expect_corrupt(big);
	free(big);
	/* 101 keys */
	{
		char *s = malloc(100000);
		size_t o = (size_t)sprintf(s, HDR);
		for (int i = 0; i < 101; i++)
			o += (size_t)sprintf(s + o, "key APKA%d Inactive -\n", i);
		sprintf(s + o, "end\n");
		expect_corrupt(s);
		free(s);
	}
}

static void test_classify(void **state)
{
	struct kc_entry e, neg;
	int64_t t = 1700000000;

	(void)state;
	make_entry(&e, t, true);
	make_entry(&neg, t, false);
	assert_int_equal(keycache_classify(&e, t, &policy), KC_FRESH);
	assert_int_equal(keycache_classify(&e, t + 299, &policy), KC_FRESH);
	assert_int_equal(keycache_classify(&e, t + 300, &policy), KC_EXPIRED);
	assert_int_equal(keycache_classify(&e, t + 86400, &policy), KC_EXPIRED);
	assert_int_equal(keycache_classify(&e, t + 86401, &policy), KC_TOO_OLD);
	/* negative entries expire sooner */
	assert_int_equal(keycache_classify(&neg, t + 59, &policy), KC_FRESH);
	assert_int_equal(keycache_classify(&neg, t + 60, &policy), KC_EXPIRED);
	/* a fetch time far in the future is not trusted */
	assert_int_equal(keycache_classify(&e, t - 301, &policy), KC_TOO_OLD);
	assert_int_equal(keycache_classify(&e, t - 10, &policy), KC_FRESH);
	keycache_entry_free(&e);
	keycache_entry_free(&neg);
}

static void test_stem(void **state)
{
	char b[64];

	(void)state;
	assert_int_equal(keycache_file_stem("alice", b, sizeof(b)), 0);
	assert_string_equal(b, "u_alice");
	assert_int_equal(keycache_file_stem("../x.y", b, sizeof(b)), 0);
	assert_string_equal(b, "u_%2e%2e%2fx%2ey");
	assert_int_equal(keycache_file_stem("", b, sizeof(b)), -EINVAL);
	assert_int_equal(keycache_file_stem("a/b", b, 5), -ENAMETOOLONG);
}

/* ---- keycache_get with a fake IAM --------------------------------------- */

struct fake {
	char countfile[256];
	int mode; /* 0 ok with a key, 1 fail, 2 slow (sleep 10 s), 3 ok no keys, 4 ok 300ms */
};

static int fake_fetch(void *ctx, long budget_ms, struct kc_entry *out, struct iam_err *err)
{
	struct fake *f = ctx;
	int fd = open(f->countfile, O_WRONLY | O_APPEND | O_CREAT, 0600);

	(void)budget_ms;
	if (fd >= 0) {
		(void)!write(fd, "x", 1);
		close(fd);
	}
	switch (f->mode) {
	case 1:
		return err_set(err, -EIO, "Throttling: Rate exceeded");
	case 2:
		sleep(10);
		return -EIO;
	case 3:
		return 0;
	case 4:
		usleep(300000);
		/* fall through */
	default:
		return keycache_entry_add(out, "APKAAAAAAAAAAAAAAAA1", true, ED " fetched",
					  strlen(ED " fetched"), NULL);
	}
}

static long count_calls(struct fake *f)
{
	struct stat st;

	return stat(f->countfile, &st) == 0 ? (long)st.st_size : 0;
}

struct env {
	char dir[200];
	struct fake fake;
	struct kc_request req;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	tu_mkdtemp(e->dir, sizeof(e->dir), "kc-test");
	chmod(e->dir, 0700);
	snprintf(e->fake.countfile, sizeof(e->fake.countfile), "%s.calls", e->dir);
	unlink(e->fake.countfile);
	e->req.cache_dir = e->dir;
	e->req.user = "alice";
	e->req.iam_id = UID;
	e->req.iam_arn = ARN;
	e->req.policy = policy;
	e->req.deadline_ms = 1500;
	e->req.fetch = fake_fetch;
	e->req.fetch_ctx = &e->fake;
	e->req.now = clock_fake;
	fake_now = time(NULL);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	tu_rm_tree(e->dir);
	tu_rm_tree(e->fake.countfile);
	free(e);
	return 0;
}

static void get(struct env *e, struct kc_result *res)
{
	assert_int_equal(keycache_get(&e->req, res), 0);
}

static void test_get_miss_hit_stale(void **state)
{
	struct env *e = *state;
	struct kc_result res;

	get(e, &res);
	assert_int_equal(res.source, KC_SRC_MISS);
	assert_int_equal(res.entry.nkeys, 1);
	assert_string_equal(res.entry.keys[0].line, ED " fetched");
	assert_string_equal(res.entry.iam_arn, ARN);
	keycache_entry_free(&res.entry);
	assert_int_equal(count_calls(&e->fake), 1);

	get(e, &res); /* fresh: no call */
	assert_int_equal(res.source, KC_SRC_HIT);
	assert_int_equal(keycache_entry_active(&res.entry), 1);
	keycache_entry_free(&res.entry);
	assert_int_equal(count_calls(&e->fake), 1);

	fake_now += 301; /* expired; IAM fails -> stale keys */
	e->fake.mode = 1;
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_STALE);
	assert_int_equal(res.age, 301);
	assert_string_equal(res.entry.keys[0].line, ED " fetched");
	assert_non_null(strstr(res.err.msg, "Throttling"));
	keycache_entry_free(&res.entry);
	assert_int_equal(count_calls(&e->fake), 2);

	fake_now += 5; /* right after a failure: stale at once, IAM not asked */
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_STALE);
	assert_non_null(strstr(res.err.msg, "next try"));
	keycache_entry_free(&res.entry);
	assert_int_equal(count_calls(&e->fake), 2);

	fake_now += 86400; /* beyond max_stale: fail closed */
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_NONE);
	assert_int_equal(res.entry.nkeys, 0);

	e->fake.mode = 0; /* IAM back, but the failure is fresh: not asked yet */
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_NONE);
	fake_now += 10;
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_MISS);
	keycache_entry_free(&res.entry);

	e->req.force_refresh = true;
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_MISS);
	keycache_entry_free(&res.entry);
	assert_int_equal(count_calls(&e->fake), 5);
	/* --refresh does not wait out a failure */
	e->fake.mode = 1;
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_STALE);
	keycache_entry_free(&res.entry);
	e->fake.mode = 0;
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_MISS);
	keycache_entry_free(&res.entry);
	assert_int_equal(count_calls(&e->fake), 7);
}

static void test_get_negative(void **state)
{
	struct env *e = *state;
	struct kc_result res;

	e->fake.mode = 3;
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_MISS);
	assert_int_equal(keycache_entry_active(&res.entry), 0);
	keycache_entry_free(&res.entry);
	fake_now += 59;
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_HIT);
	keycache_entry_free(&res.entry);
	fake_now += 1;
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_MISS);
	keycache_entry_free(&res.entry);
	assert_int_equal(count_calls(&e->fake), 2);
}

static void test_get_deadline(void **state)
{
	struct env *e = *state;
	struct kc_result res;
	struct timespec a, b;
	long ms;

	e->fake.mode = 2; /* hangs for 10 s */
	clock_gettime(CLOCK_MONOTONIC, &a);
	get(e, &res);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_int_equal(res.source, KC_SRC_NONE);
	assert_non_null(strstr(res.err.msg, "deadline"));
	assert_true(ms >= 1400 && ms < 2000);
}

/*
 * Issue 12 item 5: the deadline counts from the key command's start
 * (started_ms), not from the cache lookup: 1000 ms spent before it (config,
 * snapshot, a busy machine) leave 500 of the 1500 ms.
 */
static void test_get_deadline_from_start(void **state)
{
	struct env *e = *state;
	struct kc_result res;
	int64_t a, ms;

	e->fake.mode = 2; /* hangs for 10 s */
	a = keycache_clock_ms();
	e->req.started_ms = a - 1000;
	get(e, &res);
	ms = keycache_clock_ms() - a;
	assert_int_equal(res.source, KC_SRC_NONE);
	assert_non_null(strstr(res.err.msg, "deadline"));
	assert_true(ms >= 400 && ms < 1000);
	/* a start in the future is not trusted: the lookup's own start counts
	 * (the first failure's marker would answer at once: remove it) */
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -f '%s'/*.fail", e->dir);
		assert_int_equal(system(cmd), 0);
	}
	e->req.started_ms = keycache_clock_ms() + 60000;
	a = keycache_clock_ms();
	get(e, &res);
	ms = keycache_clock_ms() - a;
	assert_int_equal(res.source, KC_SRC_NONE);
	assert_true(ms >= 1400 && ms < 2000);
}

static void test_get_foreign_and_corrupt(void **state)
{
	struct env *e = *state;
	struct kc_result res;
	struct kc_entry other;
	char path[300];

	/* an entry of another IAM user with the same Linux name is not used */
	make_entry(&other, fake_now, true);
	free(other.iam_id);
	other.iam_id = strdup("AIDAOTHER00000000000");
	assert_int_equal(keycache_write(e->dir, "alice", &other), 0);
	keycache_entry_free(&other);
	e->fake.mode = 1;
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_NONE); /* and not served stale either */
	assert_int_equal(count_calls(&e->fake), 1);

	/* a corrupt file is discarded, never trusted */
	snprintf(path, sizeof(path), "%s/u_alice.keys", e->dir);
	tu_write_text(path, HDR "key APKA1 Active command=\"sh\" " ED "\nend\n", 0644);
	fake_now += 60; /* past the pause after the failure above */
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_NONE);
	assert_non_null(strstr(res.err.msg, "Throttling"));
	e->fake.mode = 0;
	fake_now += 60;
	get(e, &res);
	assert_int_equal(res.source, KC_SRC_MISS);
	assert_string_equal(res.entry.keys[0].line, ED " fetched");
	keycache_entry_free(&res.entry);
}

static void test_get_insecure_dir(void **state)
{
	struct env *e = *state;
	struct kc_result res;

	chmod(e->dir, 0777); /* writable by others: never trusted, not even by root */
	assert_int_equal(keycache_get(&e->req, &res), -EPERM);
	assert_int_equal(res.source, KC_SRC_NONE);
	assert_int_equal(count_calls(&e->fake), 0);
	chmod(e->dir, 0700);
}

/*
 * Root (iam-login keys --refresh) in the service user's cache directory: a
 * lock or failure-marker name that user planted as a hard link to a root file
 * must not truncate it or hand it to the user.
 */
static void test_root_planted_links(void **state)
{
	struct env *e = *state;
	const char *names[] = {"u_alice.fail", "u_alice.lock"};
	struct kc_result res;
	char victim[300], link_path[300], *back;
	struct stat st;
	size_t len;

	if (geteuid() != 0) {
		skip();
		return;
	}
	snprintf(victim, sizeof(victim), "%s.victim", e->dir);
	for (size_t i = 0; i < 2; i++) {
		tu_write_text(victim, "precious\n", 0600);
		assert_int_equal(chown(e->dir, 12345, 12345), 0);
		snprintf(link_path, sizeof(link_path), "%s/%s", e->dir, names[i]);
		unlink(link_path); /* the lock file the first round created */
		assert_int_equal(link(victim, link_path), 0);
		e->fake.mode = 1; /* the fetch fails: the failure marker is written */
		assert_int_equal(keycache_get(&e->req, &res), 0);
		assert_int_equal(res.source, KC_SRC_NONE);
		assert_int_equal(stat(victim, &st), 0);
		assert_int_equal(st.st_uid, 0);
		assert_int_equal(st.st_size, 9);
		back = tu_read_file(victim, &len);
		assert_int_equal(len, 9);
		assert_memory_equal(back, "precious\n", 9);
		free(back);
		unlink(link_path);
		unlink(victim);
		keycache_entry_free(&res.entry);
	}
}

/* A FIFO planted as a user's cache entry: read as damage, not waited on. */
static void test_fifo_entry(void **state)
{
	struct env *e = *state;
	struct kc_result res;
	char path[300];

	snprintf(path, sizeof(path), "%s/u_alice.keys", e->dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	e->fake.mode = 0;
	alarm(10); /* a hang is a failure, not a stuck test run */
	assert_int_equal(keycache_get(&e->req, &res), 0);
	alarm(0);
	assert_int_equal(res.source, KC_SRC_MISS);
	assert_int_equal(keycache_entry_active(&res.entry), 1);
	keycache_entry_free(&res.entry);
}

/* 30 processes at once for a cold user: one fetch, everyone gets the keys. */
static void test_single_flight(void **state)
{
	struct env *e = *state;
	pid_t pids[30];
	int i, status, good = 0;

	e->fake.mode = 4; /* 300 ms */
	e->req.now = NULL;
	for (i = 0; i < 30; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct kc_result res;
			int ok = keycache_get(&e->req, &res) == 0 &&
				 keycache_entry_active(&res.entry) == 1;
			_exit(ok ? 0 : 1);
		}
	}
	for (i = 0; i < 30; i++) {
		waitpid(pids[i], &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
	}
	assert_int_equal(good, 30);
	assert_int_equal(count_calls(&e->fake), 1);
}

/* Everyone waiting on a failing fetch gives up with it instead of retrying in turn. */
static void test_single_flight_failure(void **state)
{
	struct env *e = *state;
	pid_t pids[10];
	int i, status, none = 0;

	e->fake.mode = 1;
	e->req.now = NULL;
	for (i = 0; i < 10; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct kc_result res;
			keycache_get(&e->req, &res);
			_exit(res.source == KC_SRC_NONE ? 0 : 1);
		}
	}
	for (i = 0; i < 10; i++) {
		waitpid(pids[i], &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			none++;
	}
	assert_int_equal(none, 10);
	assert_true(count_calls(&e->fake) < 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_stem),
	    cmocka_unit_test_setup_teardown(test_get_miss_hit_stale, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_negative, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_deadline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_deadline_from_start, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_foreign_and_corrupt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_insecure_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_root_planted_links, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fifo_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_single_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_single_flight_failure, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
