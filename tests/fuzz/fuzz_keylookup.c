/*
 * The whole key lookup (keycache_get) over a hostile cache file and a hostile
 * IAM answer: what sshd is given follows from the inputs alone.
 *
 * Input: 3 header bytes, then the cache file's bytes, "\n--fetch--\n", and the
 * IAM answer as lines "ID Active|Inactive BODY". Header byte 0 flags: 1 IAM
 * answers, 2 the answer is for another IAM user, 4 force refresh, 8 sshd
 * offers an unknown key, 16 a FIFO is planted at the lock, 32 sshd offers the
 * cache's first key. Bytes 1-2: the clock, signed, in 7 s steps from the
 * time the seeds were fetched.
 *
 * Promised: a hit is a fresh entry of the asked IAM user, unchanged; keys come
 * from IAM only when IAM answered for that user, and are then what is on disk;
 * stale keys only when IAM failed and within max_stale; nothing otherwise.
 * The fetch runs in a child (fork per input), so this target is slow.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "keys/keycache.h"

#define REQ_ID "AIDAFUZZ000000000001"
#define REQ_ARN "arn:aws:iam::123456789012:user/alice"
#define OTHER_ID "AIDAFUZZ000000000002"
#define BASE_TIME 1700000000LL

struct fetch_spec {
	const char *lines;
	size_t len;
	bool answers, other_user;
};

/* The fetch and the clock are called through function pointers without a
 * context of their own (now) or in a forked child: the input lives here. */
static struct fetch_spec spec;
static int64_t fake_now;

static int64_t now_fn(void)
{
	return fake_now;
}

/* Build the IAM answer from spec; 0 when every line is a key IAM could return. */
static int build_answer(struct kc_entry *out)
{
	const char *p = spec.lines, *end = spec.lines + spec.len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		char line[2048], *status, *body;
		size_t n = (size_t)(le - p);
		int r;

		if (n >= sizeof(line) || memchr(p, '\0', n))
			return -EINVAL;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (!(status = strchr(line, ' ')) || !(body = strchr(status + 1, ' ')))
			return -EINVAL;
		*status++ = '\0';
		*body++ = '\0';
		r = keycache_entry_add(out, line, strcmp(status, "Active") == 0, body, strlen(body),
				       NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

static int fetch_fn(void *ctx, long budget_ms, struct kc_entry *out, struct iam_err *err)
{
	int r;

	(void)ctx;
	(void)budget_ms;
	if (!spec.answers)
		return err_set(err, -EIO, "throttled");
	r = build_answer(out);
	if (r < 0)
		return err_set(err, r, "bad answer");
	if (spec.other_user && !(out->iam_id = strdup(OTHER_ID)))
		return err_set(err, -ENOMEM, "oom");
	return 0;
}

static void same_keys(const struct kc_entry *a, const struct kc_entry *b)
{
	FUZZ_ASSERT(a->nkeys == b->nkeys && a->fetched == b->fetched);
	FUZZ_ASSERT(a->iam_id && b->iam_id && !strcmp(a->iam_id, b->iam_id));
	for (size_t i = 0; i < a->nkeys; i++) {
		FUZZ_ASSERT(!strcmp(a->keys[i].id, b->keys[i].id));
		FUZZ_ASSERT(a->keys[i].active == b->keys[i].active);
		FUZZ_ASSERT(!a->keys[i].line == !b->keys[i].line);
		FUZZ_ASSERT(!a->keys[i].line || !strcmp(a->keys[i].line, b->keys[i].line));
	}
}

static char dir_path[512];

static void clean(const char *dir);

static void remove_dir(void)
{
	clean(dir_path);
	rmdir(dir_path);
}

static const char *cache_dir(void)
{
	const char *t = getenv("TMPDIR");

	if (!dir_path[0]) {
		snprintf(dir_path, sizeof(dir_path), "%s/iam-fuzz-keys.XXXXXX",
			 t && *t ? t : "/tmp");
		if (!mkdtemp(dir_path))
			abort();
		atexit(remove_dir);
	}
	return dir_path;
}

static void put(const char *dir, const char *name, const uint8_t *data, size_t len)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
}

static void clean(const char *dir)
{
	static const char *const names[] = {"u_alice.keys", "u_alice.lock", "u_alice.fail",
					    "u_alice.refresh"};
	char path[600];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n--fetch--\n";
	const char *dir = cache_dir();
	const uint8_t *cache, *split;
	size_t cache_len;
	struct kc_entry pre = {0}, check = {0}, want = {0};
	struct kc_request req = {0};
	struct kc_result res;
	char fifo[600], offered[SSHKEY_FP_LEN + 1] = "";
	bool pre_ok, fetch_good, fresh, usable;
	uint8_t flags;

	if (size < 3)
		return 0;
	flags = data[0];
	fake_now = BASE_TIME + (int16_t)(data[1] << 8 | data[2]) * 7LL;
	cache = data + 3;
	split = memmem(cache, size - 3, sep, sizeof(sep) - 1);
	cache_len = split ? (size_t)(split - cache) + 1 : size - 3; /* keep its "\n" */
	spec.lines = split ? (const char *)split + sizeof(sep) - 1 : "";
	spec.len = split ? size - 3 - cache_len - (sizeof(sep) - 2) : 0;
	spec.answers = flags & 1;
	spec.other_user = flags & 2;

	clean(dir);
	if (cache_len)
		put(dir, "u_alice.keys", cache, cache_len);
	if (flags & 16) {
		snprintf(fifo, sizeof(fifo), "%s/u_alice.lock", dir);
		if (mkfifo(fifo, 0600) < 0)
			abort();
	}

	pre_ok = keycache_decode((const char *)cache, cache_len, NULL, &pre) == 0 && pre.iam_id &&
		 !strcmp(pre.iam_id, REQ_ID);
	if ((flags & 32) && pre_ok && pre.nkeys && pre.keys[0].line)
		snprintf(offered, sizeof(offered), "%s", pre.keys[0].fingerprint);
	else if (flags & 8)
		snprintf(offered, sizeof(offered), "SHA256:notakeyanyonehas");
	/* the answer IAM gives, built as the child will build it: whatever a
	 * fetch accepted must survive the trip through the cache format */
	fetch_good = spec.answers && !spec.other_user && build_answer(&want) == 0;
	if (fetch_good) {
		char *buf = NULL;
		size_t len = 0;

		want.fetched = fake_now;
		want.iam_id = strdup(REQ_ID);
		want.iam_arn = strdup(REQ_ARN);
		FUZZ_ASSERT(want.iam_id && want.iam_arn);
		fetch_good = keycache_encode(&want, &buf, &len) == 0;
		if (fetch_good) {
			FUZZ_ASSERT(keycache_decode(buf, len, NULL, &check) == 0);
			same_keys(&want, &check);
			keycache_entry_free(&check);
		}
		free(buf);
	}

	req.cache_dir = dir;
	req.user = "alice";
	req.iam_id = REQ_ID;
	req.iam_arn = REQ_ARN;
	req.policy = (struct kc_policy){
	    .ttl = 300, .negative_ttl = 60, .max_stale = 3600, .refresh_min_interval = 6};
	req.deadline_ms = 5000;
	req.force_refresh = flags & 4;
	req.offered_fp = offered[0] ? offered : NULL;
	req.fetch = fetch_fn;
	req.now = now_fn;
	fresh = pre_ok && keycache_classify(&pre, fake_now, &req.policy) == KC_FRESH;
	usable = pre_ok && keycache_classify(&pre, fake_now, &req.policy) != KC_TOO_OLD;

	FUZZ_ASSERT(keycache_get(&req, &res) == 0);
	switch (res.source) {
	case KC_SRC_HIT:
		FUZZ_ASSERT(fresh && !req.force_refresh);
		same_keys(&res.entry, &pre);
		break;
	case KC_SRC_MISS:
		/* alone on the host, a miss is our own fetch: IAM answered for alice */
		FUZZ_ASSERT(fetch_good && !(flags & 16));
		FUZZ_ASSERT(!strcmp(res.entry.iam_id, REQ_ID) && res.entry.nkeys == want.nkeys);
		for (size_t i = 0; i < want.nkeys; i++)
			FUZZ_ASSERT(!strcmp(res.entry.keys[i].id, want.keys[i].id) &&
				    !res.entry.keys[i].line == !want.keys[i].line);
		FUZZ_ASSERT(keycache_read(dir, "alice", NULL, &check) == 0);
		same_keys(&res.entry, &check);
		break;
	case KC_SRC_STALE:
		FUZZ_ASSERT(usable && (!fetch_good || (flags & 16)));
		same_keys(&res.entry, &pre);
		break;
	case KC_SRC_NONE:
		FUZZ_ASSERT(!usable && (!fetch_good || (flags & 16)));
		break;
	}
	/* a fresh entry of alice answers without IAM unless a refresh was asked for */
	if (fresh && !req.force_refresh && !(flags & 8))
		FUZZ_ASSERT(res.source == KC_SRC_HIT);
	for (size_t i = 0; res.source != KC_SRC_NONE && i < res.entry.nkeys; i++)
		FUZZ_ASSERT(!res.entry.keys[i].line || res.entry.keys[i].line[0]);

	keycache_entry_free(&res.entry);
	keycache_entry_free(&pre);
	keycache_entry_free(&check);
	keycache_entry_free(&want);
	return 0;
}
