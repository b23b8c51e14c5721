/*
 * The SSH key cache shared by every iam-authorized-keys process on a host.
 *
 * One file per Linux user in the cache directory ("u_<name>.keys", written
 * atomically), holding the fetch time, the IAM user's id and ARN and the keys.
 * A fresh entry (positive TTL, or the shorter negative TTL when the user has no
 * active key) answers without any API call. Otherwise one process per user
 * (flock on "u_<name>.lock") fetches while others wait and then re-read; the
 * fetch runs in a child process so the whole answer has a hard deadline. When
 * the fetch fails, keys up to max_stale old are served, else nothing.
 * A corrupt, oversized or foreign entry is discarded, never trusted.
 */
#ifndef IAM_KEYCACHE_H
#define IAM_KEYCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "keys/sshkey.h"

struct str_list;

#define KC_MAX_KEYS 100		  /* IAM allows 5 per user; anything above is hostile */
#define KC_MAX_ENTRY (256 * 1024) /* bytes of one cache file */

struct kc_key {
	char *id;     /* SSHPublicKeyId */
	bool active;  /* only active keys have a line and are offered */
	char *line;   /* sanitized "type base64 [comment]", NULL when inactive or rejected */
	char *reject; /* why the body was refused (sshkey_strerror), else NULL */
	char fingerprint[SSHKEY_FP_LEN];
};

struct kc_entry {
	int64_t fetched; /* unix time of the IAM answer */
	char *iam_id;	 /* IAM UserId the keys belong to */
	char *iam_arn;
	struct kc_key *keys;
	size_t nkeys;
};

struct kc_policy {
	long ttl;		   /* seconds an entry with active keys is fresh */
	long negative_ttl;	   /* seconds an entry without active keys is fresh */
	long max_stale;		   /* oldest entry served when IAM cannot be reached */
	long refresh_min_interval; /* offered key not in a fresh list: at most one
				    * refresh per user this often (seconds); 0 never */
};

enum kc_freshness { KC_FRESH, KC_EXPIRED, KC_TOO_OLD };

/* Where the answer came from. */
enum kc_source {
	KC_SRC_NONE,  /* no keys could be had: fail closed */
	KC_SRC_HIT,   /* fresh cache entry */
	KC_SRC_MISS,  /* fetched from IAM now (by us or by the process we waited for) */
	KC_SRC_STALE, /* IAM failed; served an expired entry within max_stale */
};

/*
 * Fetch the keys from IAM into out (iam_id/iam_arn may be left NULL: the
 * cache fills them). Runs in a child process. Return 0 or -errno with err set.
 */
typedef int (*kc_fetch_fn)(void *ctx, long budget_ms, struct kc_entry *out, struct iam_err *err);

struct kc_request {
	const char *cache_dir;
	const char *user;    /* Linux user name */
	const char *iam_id;  /* the snapshot's IAM UserId: an entry for another id is a miss */
	const char *iam_arn; /* the snapshot's ARN, stored with the entry */
	const struct str_list *types; /* allowed key types (NULL: defaults) */
	struct kc_policy policy;
	long deadline_ms;	/* the whole answer, waiting included */
	int64_t started_ms;	/* keycache_clock_ms() when the answer began (the key
				 * command's start); 0: when keycache_get is called */
	bool force_refresh;	/* skip a fresh entry (iam-login keys --refresh) */
	const char *offered_fp; /* sshd's %f ("SHA256:..."): refresh a fresh entry that
				 * lacks it (rate-limited); NULL: unchanged behaviour */
	kc_fetch_fn fetch;
	void *fetch_ctx;
	int64_t (*now)(void); /* clock for TTL decisions; NULL: time() */
};

struct kc_result {
	enum kc_source source;
	struct kc_entry entry; /* valid unless source == KC_SRC_NONE */
	int64_t age;	       /* seconds since the entry was fetched */
	bool waited;	       /* another process held the lock for this user */
	bool refreshed;	       /* a fresh entry lacked the offered key: IAM was asked */
	struct iam_err err;    /* what went wrong, when anything did (msg "" if nothing) */
};

/* CLOCK_MONOTONIC in milliseconds: the clock of started_ms and the deadline. */
int64_t keycache_clock_ms(void);

/* Is e fresh, expired-but-servable in an outage, or too old? */
enum kc_freshness keycache_classify(const struct kc_entry *e, int64_t now,
				    const struct kc_policy *p);

/* Number of active keys with a usable line. */
size_t keycache_entry_active(const struct kc_entry *e);

/* The file name stem for a user: "u_" + [a-z0-9_-] kept, others as %XX. */
int keycache_file_stem(const char *user, char *buf, size_t n);

/* Serialize / parse an entry. decode re-validates every key line. */
int keycache_encode(const struct kc_entry *e, char **buf, size_t *len);
int keycache_decode(const char *buf, size_t len, const struct str_list *types,
		    struct kc_entry *out);

/* Read the entry for user (no locking). 0, -ENOENT, -EBADMSG (discarded), -errno. */
int keycache_read(const char *dir, const char *user, const struct str_list *types,
		  struct kc_entry *out);
/* Write it atomically (mode 0644; owned by the directory's owner when we are root). */
int keycache_write(const char *dir, const char *user, const struct kc_entry *e);

/* The whole lookup: cache, single-flight fetch, stale fallback. 0 or -errno (setup). */
int keycache_get(const struct kc_request *req, struct kc_result *res);

/* Add one key to an entry being built by a fetch: validates body (may be NULL). */
int keycache_entry_add(struct kc_entry *e, const char *id, bool active, const char *body,
		       size_t body_len, const struct str_list *types);

void keycache_entry_free(struct kc_entry *e);
const char *keycache_source_name(enum kc_source s);

#endif
