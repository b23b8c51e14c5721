#include "keys/keycache.h"
#include "base/iam_id.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/file.h"
#include "base/spawn.h"
#include "base/strbuf.h"

#define KC_MAGIC "iam-login-keys 1"
/* Clock skew tolerated before a fetch time "in the future" marks an entry corrupt. */
#define KC_FUTURE_SLACK 300
/*
 * After a failed fetch, IAM is not asked again for this user for this many
 * seconds (at most negative_ttl): during an outage each login gets the stale
 * keys (or nothing) at once instead of waiting out the deadline again, and a
 * throttling IAM is not hammered.
 */
#define KC_RETRY_AFTER_FAILURE 10

/* ---- entries ---------------------------------------------------------- */

void keycache_entry_free(struct kc_entry *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->nkeys; i++) {
		free(e->keys[i].id);
		free(e->keys[i].line);
		free(e->keys[i].reject);
	}
	free(e->keys);
	free(e->iam_id);
	free(e->iam_arn);
	memset(e, 0, sizeof(*e));
}

size_t keycache_entry_active(const struct kc_entry *e)
{
	size_t i, n = 0;

	for (i = 0; i < e->nkeys; i++)
		if (e->keys[i].active && e->keys[i].line)
			n++;
	return n;
}

const char *keycache_source_name(enum kc_source s)
{
	switch (s) {
	case KC_SRC_HIT:
		return "hit";
	case KC_SRC_MISS:
		return "miss";
	case KC_SRC_STALE:
		return "stale";
	default:
		return "none";
	}
}

/* An ARN is printable ASCII without blanks. */
static bool valid_arn(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (*s <= 0x20 || *s >= 0x7f)
			return false;
	return n > 0 && n <= 2048;
}

int keycache_entry_add(struct kc_entry *e, const char *id, bool active, const char *body,
		       size_t body_len, const struct str_list *types)
{
	struct kc_key *k, *nk;
	struct sshkey_info info;
	int r;

	if (!iam_id_valid(id))
		return -EINVAL;
	if (e->nkeys >= KC_MAX_KEYS)
		return -E2BIG;
	nk = realloc(e->keys, (e->nkeys + 1) * sizeof(*nk));
	if (!nk)
		return -ENOMEM;
	e->keys = nk;
	k = &nk[e->nkeys];
	memset(k, 0, sizeof(*k));
	k->id = strdup(id);
	if (!k->id)
		return -ENOMEM;
	k->active = active;
	e->nkeys++;
	if (!body)
		return 0;
	r = sshkey_sanitize(body, body_len, types, &k->line, &info);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		k->reject = strdup(sshkey_strerror(r));
		return k->reject ? 0 : -ENOMEM;
	}
	memcpy(k->fingerprint, info.fingerprint, sizeof(k->fingerprint));
	return 0;
}

enum kc_freshness keycache_classify(const struct kc_entry *e, int64_t now,
				    const struct kc_policy *p)
{
	int64_t age = now - e->fetched;
	long ttl = keycache_entry_active(e) ? p->ttl : p->negative_ttl;

	if (age < -KC_FUTURE_SLACK)
		return KC_TOO_OLD; /* fetched "in the future": do not trust the clock or the file */
	if (age < ttl)
		return KC_FRESH;
	/* Only real keys are worth serving stale; a stale "no keys" gives nothing anyway. */
	if (age <= p->max_stale)
		return KC_EXPIRED;
	return KC_TOO_OLD;
}

int keycache_file_stem(const char *user, char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	const unsigned char *s = (const unsigned char *)user;

	if (!*s || strlen(user) > 64 || n < 3)
		return -EINVAL;
	buf[o++] = 'u';
	buf[o++] = '_';
	for (; *s; s++) {
		bool keep =
		    (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-';
		if (o + (keep ? 1 : 3) >= n)
			return -ENAMETOOLONG;
		if (keep) {
			buf[o++] = (char)*s;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[*s >> 4];
			buf[o++] = hex[*s & 15];
		}
	}
	buf[o] = '\0';
	return 0;
}

int keycache_encode(const struct kc_entry *e, char **buf, size_t *len)
{
	struct strbuf b;
	size_t i;

	if (!e->iam_id || !iam_id_valid(e->iam_id) || !e->iam_arn || !valid_arn(e->iam_arn))
		return -EINVAL;
	strbuf_init(&b, KC_MAX_ENTRY);
	strbuf_addf(&b, "%s\nfetched %lld\niam-id %s\narn %s\n", KC_MAGIC, (long long)e->fetched,
		    e->iam_id, e->iam_arn);
	for (i = 0; i < e->nkeys; i++) {
		const struct kc_key *k = &e->keys[i];
		/* Keys refused at fetch keep only the reason ("!key-type-not-allowed"). */
		if (k->line || !k->reject) {
			strbuf_addf(&b, "key %s %s %s\n", k->id, k->active ? "Active" : "Inactive",
				    k->line ? k->line : "-");
		} else {
			char reason[65];
			size_t j;
			snprintf(reason, sizeof(reason), "%s", k->reject);
			for (j = 0; reason[j]; j++)
				if (!(reason[j] >= 'a' && reason[j] <= 'z'))
					reason[j] = '-';
			strbuf_addf(&b, "key %s %s !%s\n", k->id, k->active ? "Active" : "Inactive",
				    reason);
		}
	}
	strbuf_addf(&b, "end\n");
	/* Past KC_MAX_ENTRY the buffer refuses (-E2BIG), as the reader would. */
	*buf = strbuf_detach(&b, len);
	return *buf ? 0 : b.err;
}

static char *dup_field(const char *line, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(line, prefix, n) != 0 || line[n] != ' ')
		return NULL;
	return strdup(line + n + 1);
}

static int decode_key(struct kc_entry *e, char *rest, const struct str_list *types)
{
	char *id = rest, *status, *body;
	bool active;
	int r;

	status = strchr(id, ' ');
	if (!status)
		return -EBADMSG;
	*status++ = '\0';
	body = strchr(status, ' ');
	if (!body)
		return -EBADMSG;
	*body++ = '\0';
	if (strcmp(status, "Active") == 0)
		active = true;
	else if (strcmp(status, "Inactive") == 0)
		active = false;
	else
		return -EBADMSG;
	if (strcmp(body, "-") == 0 || body[0] == '!') {
		size_t j, n = strlen(body + 1);
		if (body[0] == '!' && (n == 0 || n > 64))
			return -EBADMSG;
		for (j = 1; body[0] == '!' && body[j]; j++) {
			if (body[j] == '-')
				body[j] = ' ';
			else if (body[j] < 'a' || body[j] > 'z')
				return -EBADMSG;
		}
		r = keycache_entry_add(e, id, active, NULL, 0, types);
		if (r == 0 && body[0] == '!') {
			e->keys[e->nkeys - 1].reject = strdup(body + 1);
			if (!e->keys[e->nkeys - 1].reject)
				r = -ENOMEM;
		}
	} else {
		r = keycache_entry_add(e, id, active, body, strlen(body), types);
		/* A stored line must still pass and be stored in its reduced form. */
		if (r == 0 &&
		    (!e->keys[e->nkeys - 1].line || strcmp(e->keys[e->nkeys - 1].line, body) != 0))
			r = -EBADMSG;
	}
	if (r == -ENOMEM)
		return r;
	return r < 0 ? -EBADMSG : 0;
}

int keycache_decode(const char *buf, size_t len, const struct str_list *types, struct kc_entry *out)
{
	char *copy, *line, *save = NULL;
	int r = -EBADMSG, n = 0;
	bool ended = false;

	memset(out, 0, sizeof(*out));
	if (len > KC_MAX_ENTRY || memchr(buf, '\0', len))
		return -EBADMSG;
	copy = strndup(buf, len);
	if (!copy)
		return -ENOMEM;
	if (len == 0 || copy[len - 1] != '\n')
		goto done;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		if (ended)
			goto done; /* nothing may follow "end" */
		if (n == 0) {
			if (strcmp(line, KC_MAGIC) != 0)
				goto done;
		} else if (n == 1) {
			char *end;
			long long t;
			if (strncmp(line, "fetched ", 8) != 0)
				goto done;
			errno = 0;
			t = strtoll(line + 8, &end, 10);
			if (errno || *end || end == line + 8 || t <= 0)
				goto done;
			out->fetched = t;
		} else if (n == 2) {
			out->iam_id = dup_field(line, "iam-id");
			if (!out->iam_id || !iam_id_valid(out->iam_id))
				goto done;
		} else if (n == 3) {
			out->iam_arn = dup_field(line, "arn");
			if (!out->iam_arn || !valid_arn(out->iam_arn))
				goto done;
		} else if (strcmp(line, "end") == 0) {
			ended = true;
		} else if (strncmp(line, "key ", 4) == 0) {
			int k = decode_key(out, line + 4, types);
			if (k < 0) {
				r = k;
				goto done;
			}
		} else {
			goto done;
		}
	}
	if (ended && n >= 5)
		r = 0;
done:
	free(copy);
	if (r < 0)
		keycache_entry_free(out);
	return r;
}

/* ---- files -------------------------------------------------------------- */

static int entry_path(const char *dir, const char *user, const char *suffix, char *path, size_t n)
{
	char stem[256];
	int r = keycache_file_stem(user, stem, sizeof(stem));

	if (r < 0)
		return r;
	if (snprintf(path, n, "%s/%s%s", dir, stem, suffix) >= (int)n)
		return -ENAMETOOLONG;
	return 0;
}

int keycache_read(const char *dir, const char *user, const struct str_list *types,
		  struct kc_entry *out)
{
	char path[PATH_MAX], *data = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = entry_path(dir, user, ".keys", path, sizeof(path));
	if (r < 0)
		return r;
	r = file_read_bounded(path, KC_MAX_ENTRY, &data, &len);
	if (r == -EFBIG)
		return -EBADMSG;
	if (r < 0)
		return r;
	r = keycache_decode(data, len, types, out);
	free(data);
	return r;
}

int keycache_write(const char *dir, const char *user, const struct kc_entry *e)
{
	char stem[256], name[300], *buf = NULL;
	size_t len = 0;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	struct stat st;
	int r;

	r = keycache_file_stem(user, stem, sizeof(stem));
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%s.keys", stem);
	r = keycache_encode(e, &buf, &len);
	if (r < 0)
		return r;
	/* root (iam-login keys --refresh) leaves files the cache's owner can replace */
	if (geteuid() == 0 && stat(dir, &st) == 0) {
		uid = st.st_uid;
		gid = st.st_gid;
	}
	r = file_write_atomic(dir, name, buf, len, 0644, uid, gid);
	free(buf);
	return r;
}

/* The cache directory must be ours or root's and writable by nobody else. */
static int check_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* root (iam-login keys) may use the key command user's directory */
	if (st.st_uid != 0 && st.st_uid != geteuid() && geteuid() != 0)
		return -EPERM;
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return -EPERM;
	return 0;
}

/* Files root creates in the cache stay usable by the directory's owner. */
static void give_to_dir_owner(int fd, const char *dir)
{
	struct stat st;

	if (geteuid() == 0 && stat(dir, &st) == 0 && st.st_uid != 0)
		(void)!fchown(fd, st.st_uid, st.st_gid);
}

/*
 * Open (creating) a lock or marker file in the cache directory. Root
 * (iam-login keys --refresh) writes into the key command user's directory, where
 * that user may have planted the name: a hard link to a root-owned file would
 * be truncated and handed to the user by give_to_dir_owner, a FIFO would hang.
 * Only a regular file with one link is used. -EPERM otherwise.
 */
static int open_cache_file(const char *path, int flags)
{
	struct stat st;
	int fd = open(path, flags | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);

	/* a lock file root created read-only is fine to flock */
	if (fd < 0 && errno == EACCES && (flags & O_ACCMODE) == O_RDONLY)
		fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* ---- time ---------------------------------------------------------------- */

/* The clock of started_ms and the deadline, for users of this header. */
int64_t keycache_clock_ms(void)
{
	return clock_mono_ms();
}

static int64_t wall_now(const struct kc_request *req)
{
	return req->now ? req->now() : (int64_t)time(NULL);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Take the per-user lock, polling until deadline (monotonic ms). Returns the
 * fd, -ETIMEDOUT, or -errno. *waited tells whether someone else held it.
 */
static int lock_user(const char *path, const char *dir, int64_t deadline, bool *waited)
{
	long pause = 2;
	int fd = open_cache_file(path, O_RDONLY);

	if (fd < 0)
		return fd;
	give_to_dir_owner(fd, dir);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = -errno;
			close(fd);
			return e;
		}
		*waited = true;
		int64_t left = deadline - clock_mono_ms();
		if (left <= 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		sleep_ms(pause < left ? pause : (long)left);
		if (pause < 20)
			pause += 2;
	}
}

/* The mtime of the failure marker, or 0. */
static int64_t fail_mark_ms(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

/* The marker holds the failure's time on the request's clock; mtime says when it was set. */
static void fail_mark_set(const char *path, const char *dir, int64_t now)
{
	int fd = open_cache_file(path, O_WRONLY);
	char buf[32];
	int n;

	if (fd < 0)
		return;
	if (ftruncate(fd, 0) == 0) {
		give_to_dir_owner(fd, dir);
		n = snprintf(buf, sizeof(buf), "%lld\n", (long long)now);
		(void)!write(fd, buf, (size_t)n);
		futimens(fd, NULL);
	}
	close(fd);
}

/* When the last fetch failed (request clock), or 0. */
static int64_t fail_mark_time(const char *path)
{
	char buf[32], *end;
	long long t;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	t = strtoll(buf, &end, 10);
	return (end != buf && *end == '\n' && t > 0) ? (int64_t)t : 0;
}

/* ---- the fetch, in a child with a deadline ----------------------------- */

struct fetch_child {
	const struct kc_request *req;
	long budget_ms;
};

/* The function child of spawn_run: fetch, answer "OK\n<entry>" or "ERR <why>" on fd. */
static int child_fetch(void *arg, int fd)
{
	const struct fetch_child *fc = arg;
	const struct kc_request *req = fc->req;
	struct kc_entry e = {0};
	struct iam_err err = {0};
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = req->fetch(req->fetch_ctx, fc->budget_ms, &e, &err);
	if (r == 0 && e.iam_id && strcmp(e.iam_id, req->iam_id) != 0)
		/* The keys belong to another IAM user than the one asked about. */
		r = err_set(&err, -ESTALE, "IAM user changed during the fetch");
	if (r == 0) {
		e.fetched = wall_now(req);
		if (!e.iam_id)
			e.iam_id = strdup(req->iam_id);
		if (!e.iam_arn)
			e.iam_arn = strdup(req->iam_arn);
		r = keycache_encode(&e, &buf, &len);
		if (r < 0)
			err_set(&err, r, "cannot encode keys: %s", strerror(-r));
	}
	if (r == 0) {
		(void)file_write_full(fd, "OK\n", 3);
		(void)file_write_full(fd, buf, len);
	} else {
		(void)file_write_full(fd, "ERR ", 4);
		const char *why = err.msg[0] ? err.msg : "fetch failed";

		(void)file_write_full(fd, why, strlen(why));
	}
	free(buf);
	keycache_entry_free(&e);
	return r == 0 ? 0 : 1;
}

/*
 * Run req->fetch in a child and collect its encoded entry before deadline.
 * The child's group is killed when time runs out: the caller never waits longer.
 */
static int fetch_with_deadline(const struct kc_request *req, int64_t deadline, struct kc_entry *out,
			       struct iam_err *err)
{
	struct fetch_child fc = {req, (long)(deadline - clock_mono_ms())};
	struct spawn_opts o = {.fn = child_fetch,
			       .arg = &fc,
			       .err = SPAWN_STDERR_INHERIT,
			       .deadline_ms = deadline,
			       .max_output = KC_MAX_ENTRY + 64};
	struct spawn_result res;
	int r;

	if (fc.budget_ms <= 0) {
		return err_set(err, -ETIMEDOUT, "deadline passed before the fetch");
	}
	r = spawn_run(&o, &res);
	if (r == -ETIMEDOUT) {
		err_set(err, r, "IAM did not answer within the deadline");
	} else if (r < 0) {
		err_set(err, r, "fetch failed: %s", strerror(-r));
	} else if (res.exit_code == 0 && res.len >= 3 && memcmp(res.out, "OK\n", 3) == 0) {
		r = keycache_decode(res.out + 3, res.len - 3, req->types, out);
		if (r < 0)
			err_set(err, r, "fetched entry invalid: %s", strerror(-r));
	} else {
		r = err_set(err, -EIO, "%s",
			    res.len > 4 && memcmp(res.out, "ERR ", 4) == 0 ? res.out + 4
									   : "fetch failed");
	}
	spawn_result_free(&res);
	return r;
}

/* ---- the lookup ------------------------------------------------------------ */

/* An entry is usable for this user only if it belongs to the same IAM user. */
static bool entry_matches(const struct kc_entry *e, const struct kc_request *req)
{
	return e->iam_id && req->iam_id && strcmp(e->iam_id, req->iam_id) == 0;
}

static int read_matching(const struct kc_request *req, struct kc_entry *e)
{
	int r = keycache_read(req->cache_dir, req->user, req->types, e);

	if (r == 0 && !entry_matches(e, req)) {
		keycache_entry_free(e);
		return -ENOENT;
	}
	return r;
}

static void use_entry(struct kc_result *res, struct kc_entry *e, enum kc_source src, int64_t now)
{
	res->entry = *e;
	memset(e, 0, sizeof(*e));
	res->source = src;
	res->age = now - res->entry.fetched;
}

/* IAM failed: an expired entry within max_stale still answers, else nothing. */
static void fallback(const struct kc_request *req, struct kc_result *res, struct kc_entry *old,
		     int64_t now)
{
	if (old->iam_id && keycache_classify(old, now, &req->policy) != KC_TOO_OLD)
		use_entry(res, old, KC_SRC_STALE, now);
	else
		res->source = KC_SRC_NONE;
}

/* Does the entry offer a key with this fingerprint? */
static bool entry_offers(const struct kc_entry *e, const char *fp)
{
	for (size_t i = 0; i < e->nkeys; i++)
		if (e->keys[i].active && e->keys[i].line && strcmp(e->keys[i].fingerprint, fp) == 0)
			return true;
	return false;
}

/*
 * The claim's clock, in ms: in whole seconds a claim at 0.99 s and the next at
 * 6.00 s would be 6 "seconds" apart, two refreshes 5.01 s apart under a 6 s
 * refresh_min_interval.
 */
static int64_t claim_now_ms(const struct kc_request *req)
{
	return req->now ? req->now() * 1000 : clock_real_ms();
}

/*
 * May this process refresh the user's fresh entry for a key it lacks? At most
 * one claim per refresh_min_interval and user, whatever the number of
 * concurrent logins: the claim is the mtime of USER.refresh (to the ms), read
 * and set under its flock. A mtime more than KC_FUTURE_SLACK ahead (the clock
 * went back) is no claim.
 * 1 claimed, 0 not now, -errno.
 */
static int refresh_claim(const struct kc_request *req)
{
	char path[PATH_MAX];
	struct stat st;
	int64_t now, then;
	int fd, r;

	if (req->policy.refresh_min_interval <= 0)
		return 0;
	r = entry_path(req->cache_dir, req->user, ".refresh", path, sizeof(path));
	if (r < 0)
		return r;
	fd = open_cache_file(path, O_RDWR);
	if (fd < 0)
		return fd;
	give_to_dir_owner(fd, req->cache_dir);
	if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	/* the time is read under the lock: whoever claimed before us read an
	 * earlier one, so their claim never looks like a clock that went back */
	now = claim_now_ms(req);
	then = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
	if (st.st_size > 0 && then <= now + KC_FUTURE_SLACK * 1000 &&
	    now - then < (int64_t)req->policy.refresh_min_interval * 1000) {
		close(fd);
		return 0;
	}
	{
		const struct timespec ts[2] = {
		    {(time_t)(now / 1000), (long)(now % 1000) * 1000000L},
		    {(time_t)(now / 1000), (long)(now % 1000) * 1000000L}};

		r = (st.st_size > 0 || write(fd, "r", 1) == 1) && futimens(fd, ts) == 0 ? 1
											: -errno;
	}
	close(fd);
	return r;
}

int keycache_get(const struct kc_request *req, struct kc_result *res)
{
	int64_t start = clock_mono_ms(), start_wall = clock_real_ms();
	/* From the key command's own start when it says so: config parsing and the
	 * snapshot open under a login storm count against sshd's wait too. */
	int64_t begun = req->started_ms > 0 && req->started_ms <= start ? req->started_ms : start;
	int64_t deadline = begun + (req->deadline_ms > 0 ? req->deadline_ms : 5000);
	struct kc_entry cur = {0}, fresh = {0};
	char lockp[PATH_MAX], failp[PATH_MAX];
	bool refresh = req->force_refresh;
	int r, lockfd;
	int64_t now;

	memset(res, 0, sizeof(*res));
	res->source = KC_SRC_NONE;
	r = check_dir(req->cache_dir);
	if (r < 0) {
		return err_set(&res->err, r, "cache directory %.150s unusable: %s", req->cache_dir,
			       strerror(-r));
	}
	if ((r = entry_path(req->cache_dir, req->user, ".lock", lockp, sizeof(lockp))) < 0 ||
	    (r = entry_path(req->cache_dir, req->user, ".fail", failp, sizeof(failp))) < 0) {
		return err_set(&res->err, r, "bad user name");
	}

	now = wall_now(req);
	r = read_matching(req, &cur);
	if (r == -EBADMSG)
		err_set(&res->err, r, "corrupt cache entry discarded");
	if (r == 0 && !refresh && keycache_classify(&cur, now, &req->policy) == KC_FRESH) {
		/* A key uploaded within the TTL works at once: a fresh list without
		 * the offered key is asked of IAM again, once per interval. */
		if (!req->offered_fp || entry_offers(&cur, req->offered_fp) ||
		    refresh_claim(req) <= 0) {
			use_entry(res, &cur, KC_SRC_HIT, now);
			return 0;
		}
		refresh = res->refreshed = true;
	}
	if (!refresh) {
		int64_t failed = fail_mark_time(failp);
		long pause = req->policy.negative_ttl < KC_RETRY_AFTER_FAILURE
				 ? req->policy.negative_ttl
				 : KC_RETRY_AFTER_FAILURE;
		if (failed > 0 && now >= failed && now - failed < pause) {
			err_set(&res->err, -EAGAIN, "IAM failed %llds ago; next try after %lds",
				(long long)(now - failed), pause);
			fallback(req, res, &cur, now);
			keycache_entry_free(&cur);
			return 0;
		}
	}

	lockfd = lock_user(lockp, req->cache_dir, deadline, &res->waited);
	if (lockfd < 0) {
		if (lockfd == -ETIMEDOUT)
			err_set(&res->err, lockfd,
				"timed out waiting for another fetch for this user");
		else
			err_set(&res->err, lockfd, "cannot lock %.150s: %s", lockp,
				strerror(-lockfd));
		fallback(req, res, &cur, wall_now(req));
		keycache_entry_free(&cur);
		return 0;
	}

	{
		/*
		 * Whoever held the lock may have just fetched: re-check before calling
		 * IAM. Always, not only after waiting: a fetch can finish and release
		 * the lock between our first read and our flock.
		 */
		keycache_entry_free(&cur);
		now = wall_now(req);
		r = read_matching(req, &cur);
		if (r == 0 &&
		    (keycache_classify(&cur, now, &req->policy) == KC_FRESH &&
		     (!refresh || (res->waited && cur.fetched * 1000 >= start_wall - 1000)))) {
			use_entry(res, &cur, KC_SRC_MISS, now);
			goto out;
		}
		/* A fetch that failed while we waited is our answer too: no second try. */
		if (res->waited && fail_mark_ms(failp) >= start_wall) {
			err_set(&res->err, -EIO, "IAM fetch by another process failed");
			fallback(req, res, &cur, now);
			goto out;
		}
	}

	r = fetch_with_deadline(req, deadline, &fresh, &res->err);
	now = wall_now(req);
	if (r == 0) {
		int w = keycache_write(req->cache_dir, req->user, &fresh);
		if (w < 0)
			err_set(&res->err, w, "cache write failed: %s", strerror(-w));
		unlink(failp);
		use_entry(res, &fresh, KC_SRC_MISS, now);
	} else {
		fail_mark_set(failp, req->cache_dir, now);
		fallback(req, res, &cur, now);
	}
out:
	close(lockfd);
	keycache_entry_free(&cur);
	keycache_entry_free(&fresh);
	return 0;
}
