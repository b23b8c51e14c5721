/* iam-login keys USER: a user's SSH keys as sshd would get them, for people. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_privs.h"
#include "commands.h"
#include "config/config.h"
#include "keys/keycache.h"
#include "keys/keyfetch.h"
#include "base/log.h"

static const char keys_help[] =
    "Usage: iam-login keys [--refresh] USER\n"
    "\n"
    "Show the SSH public keys IAM holds for the Linux user USER, the way\n"
    "iam-authorized-keys hands them to sshd: through the shared key cache\n"
    "([keys] cache_dir), with the same snapshot and login-group checks.\n"
    "\n"
    "For each key: its IAM id, status (only Active keys are offered), type,\n"
    "SHA256 fingerprint (as `ssh-keygen -lf` prints it) and comment; keys\n"
    "IAM returned in a shape sshd must not see are listed as refused, with\n"
    "the reason. The cache line tells whether the answer came from a fresh\n"
    "entry (hit), from IAM now (miss) or from an expired entry because IAM\n"
    "could not be reached (stale), and how old it is.\n"
    "\n"
    "Options:\n"
    "  -r, --refresh  ignore a fresh cache entry: fetch from IAM now and store it\n"
    "  -h, --help     show this help\n"
    "\n"
    "Privileges: run by root, it becomes the owner of the cache directory (the\n"
    "key command's user, AuthorizedKeysCommandUser, e.g. iam-login-keys) with\n"
    "that user's HOME and AWS credentials, so it fetches exactly what sshd would\n"
    "and every file in the cache is written by that one user.\n"
    "\n"
    "Exit status: 0 keys shown (possibly none), 1 USER may not log in with IAM\n"
    "keys here or they could not be had, 2 usage error.\n";

static void print_time(const char *label, int64_t t, int64_t now)
{
	char buf[64];
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm))
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		snprintf(buf, sizeof(buf), "%lld", (long long)t);
	printf("%-9s %s (%lld s ago)\n", label, buf, (long long)(now - t));
}

static void print_key(const struct kc_key *k)
{
	char type[48] = "-", comment[SSHKEY_MAX_COMMENT + 1] = "";

	if (k->line) {
		const char *sp = strchr(k->line, ' ');
		const char *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
		snprintf(type, sizeof(type), "%.*s", sp ? (int)(sp - k->line) : 0, k->line);
		if (sp2)
			snprintf(comment, sizeof(comment), "%s", sp2 + 1);
	}
	if (k->reject)
		printf("%-24s %-9s refused: %s\n", k->id, k->active ? "Active" : "Inactive",
		       k->reject);
	else
		printf("%-24s %-9s %-20s %-51s %s\n", k->id, k->active ? "Active" : "Inactive",
		       type, k->line ? k->fingerprint : "-", comment);
}

static int show(const struct iam_config *cfg, const char *user, bool refresh)
{
	char cuser[80];
	struct kc_request req;
	struct kc_result res;
	struct keyfetch_ctx fctx;
	struct snap_user u;
	struct snap *snap = NULL;
	int64_t now;
	int r;
	size_t i;

	log_clean(cuser, sizeof(cuser), user);
	r = keys_find_user(cfg, user, &snap, &u);
	if (r == -ENOENT) {
		fprintf(stderr,
			"iam-login keys: %s is not an IAM user on this host (not in the "
			"snapshot); sshd gets no keys for it\n",
			cuser);
		return 1;
	}
	if (r == -EACCES) {
		fprintf(stderr,
			"iam-login keys: %s is not in any of [keys] login_groups; sshd "
			"gets no keys for it\n",
			cuser);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "iam-login keys: snapshot in %s unusable: %s\n", cfg->state_dir,
			strerror(-r));
		return 1;
	}
	printf("%-9s %s (uid %u)\n", "user", u.name, u.uid);
	printf("%-9s %s %s\n", "iam", u.iam_name, u.iam_arn ? u.iam_arn : "");
	keys_request_init(&req, cfg, &u, &fctx);
	req.force_refresh = refresh;
	/* the key command's user may create its cache below a directory of its own */
	(void)mkdir(cfg->keys_cache_dir, 0700);
	r = keycache_get(&req, &res);
	now = (int64_t)time(NULL);
	if (r < 0 || res.source == KC_SRC_NONE) {
		printf("%-9s none: %s\n", "cache", res.err.msg[0] ? res.err.msg : "no keys");
		snap_close(snap);
		return 1;
	}
	printf("%-9s %s%s\n", "cache", keycache_source_name(res.source),
	       res.source == KC_SRC_STALE ? " (the IAM call failed: serving cached keys)" : "");
	print_time("fetched", res.entry.fetched, now);
	if (res.err.msg[0])
		printf("%-9s %s\n", "warning", res.err.msg);
	printf("%-9s %zu of %zu key(s) offered to sshd\n\n", "offered",
	       keycache_entry_active(&res.entry), res.entry.nkeys);
	if (res.entry.nkeys)
		printf("%-24s %-9s %-20s %-51s %s\n", "ID", "STATUS", "TYPE", "FINGERPRINT",
		       "COMMENT");
	for (i = 0; i < res.entry.nkeys; i++)
		print_key(&res.entry.keys[i]);
	keycache_entry_free(&res.entry);
	snap_close(snap);
	return 0;
}

/*
 * Hidden: the IAM half of iam-authorized-keys, which stays free of libcurl and
 * the credential chain. Prints "OK\n" and the cache entry, or "ERR reason".
 */
static int fetch_entry(const struct iam_config *cfg, const char *user, long budget_ms)
{
	struct keyfetch_ctx fctx;
	struct kc_request req;
	struct kc_entry e = {0};
	struct snap_user u;
	struct snap *snap = NULL;
	struct iam_err err = {0};
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = keys_find_user(cfg, user, &snap, &u);
	if (r < 0) {
		printf("ERR user not allowed here: %s\n", strerror(-r));
		return 1;
	}
	keys_request_init(&req, cfg, &u, &fctx);
	r = keys_fetch_iam(&fctx, budget_ms, &e, &err);
	if (r == 0) {
		e.fetched = (int64_t)time(NULL);
		e.iam_id = strdup(u.iam_id);
		e.iam_arn = strdup(u.iam_arn ? u.iam_arn : "");
		r = e.iam_id && e.iam_arn ? keycache_encode(&e, &buf, &len) : -ENOMEM;
		if (r < 0)
			err_set(&err, r, "cannot encode: %s", strerror(-r));
	}
	if (r == 0) {
		fputs("OK\n", stdout);
		fwrite(buf, 1, len, stdout);
	} else {
		char clean[256];
		printf("ERR %s\n",
		       log_clean(clean, sizeof(clean), err.msg[0] ? err.msg : "fetch failed"));
	}
	free(buf);
	keycache_entry_free(&e);
	snap_close(snap);
	return fflush(stdout) == 0 && r == 0 ? 0 : 1;
}

/*
 * Root's `keys`: run as the key command's user, the owner of the cache
 * directory, with its HOME and AWS credentials. The answer is then what sshd
 * gets, and every file in the cache (entries, locks, failure markers) is
 * written by that one identity: root without credentials cannot leave a
 * failure marker that refuses the user's next login.
 */
static int become_cache_owner(const struct iam_config *cfg, const char *progname)
{
	struct stat st;
	struct passwd *pw;

	if (stat(cfg->keys_cache_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"%s keys: the key cache %s is missing; create it for the key command's "
			"user (install -d -m 0700 -o iam-login-keys -g iam-login-keys %s)\n",
			progname, cfg->keys_cache_dir, cfg->keys_cache_dir);
		return -ENOENT;
	}
	if (st.st_uid == 0)
		return 0; /* a cache of root's own: the key command runs as root too */
	pw = getpwuid(st.st_uid);
	if (!pw) {
		fprintf(stderr, "%s keys: %s belongs to uid %u, which has no passwd entry\n",
			progname, cfg->keys_cache_dir, (unsigned)st.st_uid);
		return -ENOENT;
	}
	return cli_become(pw, progname, "keys");
}

int cmd_keys(int argc, char **argv, const struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"refresh", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {"fetch-entry", no_argument, NULL, 'F'},
	    {"budget-ms", required_argument, NULL, 'B'},
	    {NULL, 0, NULL, 0},
	};
	struct iam_config cfg;
	bool refresh = false, fetch = false;
	long budget = 5000;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "rh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			refresh = true;
			break;
		case 'h':
			fputs(keys_help, stdout);
			return 0;
		case 'F':
			fetch = true;
			break;
		case 'B':
			budget = strtol(optarg, NULL, 10);
			if (budget < 1 || budget > 120000)
				budget = 5000;
			break;
		default:
			fputs("Usage: iam-login keys [--refresh] USER (see --help)\n", stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs("Usage: iam-login keys [--refresh] USER (see --help)\n", stderr);
		return 2;
	}
	if (cli_load_config(ctx, &cfg) < 0)
		return 1;
	if (!fetch && geteuid() == 0 && become_cache_owner(&cfg, ctx->progname) < 0) {
		config_free(&cfg);
		return 1;
	}
	r = fetch ? fetch_entry(&cfg, argv[optind], budget) : show(&cfg, argv[optind], refresh);
	config_free(&cfg);
	return r;
}
