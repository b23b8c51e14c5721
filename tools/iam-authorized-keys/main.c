/*
 * iam-authorized-keys USER: sshd's AuthorizedKeysCommand. Prints the Active
 * IAM SSH keys of USER, one sanitized "type base64 [comment]" line each, from
 * the shared key cache. Anyone who is not an IAM user of this host allowed to
 * log in gets nothing, without an API call or even loading credentials.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "chain.h"
#include "config/config.h"
#include "keys/keycache.h"
#include "keys/keyexec.h"
#include "keys/keyuser.h"
#include "base/log.h"
#include "snapshot/snapshot_reader.h"

#define PROG "iam-authorized-keys"

static const char usage_text[] =
    "Usage: " PROG " [--config FILE] USER [FINGERPRINT]\n"
    "\n"
    "Print the SSH public keys of USER as stored in AWS IAM, for sshd's\n"
    "AuthorizedKeysCommand. Meant to run as an unprivileged user:\n"
    "\n"
    "    AuthorizedKeysCommand /usr/sbin/iam-authorized-keys %u %f\n"
    "    AuthorizedKeysCommandUser iam-login-keys\n"
    "\n"
    "USER must be an IAM user in the directory snapshot (state_dir/directory,\n"
    "written by `iam-login sync`) and, when [keys] login_groups is set, a member\n"
    "of one of those IAM groups. For every other name, local accounts included,\n"
    "nothing is printed, no AWS API call is made and the exit status is 0.\n"
    "\n"
    "Only Active keys, fetched with Encoding=SSH, are printed, each re-validated\n"
    "and reduced to `type base64 [comment]`: no options, no control characters,\n"
    "types limited to [keys] key_types, the blob's embedded type checked.\n"
    "\n"
    "Keys are cached per user in [keys] cache_dir: fresh for `ttl` seconds\n"
    "(`negative_ttl` for users without keys). Concurrent invocations for one user\n"
    "make one set of API calls. The whole answer takes at most `deadline`\n"
    "seconds; when IAM is unreachable or throttling, cached keys up to\n"
    "`max_stale` seconds old are printed, else nothing (fail closed); after a\n"
    "failed fetch IAM is not asked again for min(10 s, negative_ttl).\n"
    "\n"
    "FINGERPRINT (sshd's %f, \"SHA256:...\") is the key the client offers: when a\n"
    "fresh cached list lacks it, IAM is asked again at once (a key uploaded a\n"
    "moment ago works on the first try), at most once per user every\n"
    "[keys] refresh_min_interval seconds (10; 0 never), within the same deadline,\n"
    "so a spray of wrong keys costs at most one call per interval.\n"
    "Each answer is one syslog line (LOG_AUTHPRIV): user, IAM ARN, key ids and\n"
    "SHA256 fingerprints offered, cache hit/miss/stale, errors.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE  configuration file (default: $IAM_LOGIN_CONF, then\n"
    "                     " IAM_DEFAULT_CONFIG ")\n"
    "  -h, --help         show this help\n"
    "\n"
    "[keys] chain = /path/to/command %u %f runs a second AuthorizedKeysCommand\n"
    "(EC2 Instance Connect's eic_run_authorized_keys, say) after this one, for\n"
    "every user, within the same deadline, and passes its key lines on (at most\n"
    "64 KiB; dropped when it fails or is late). It must be a root-owned file\n"
    "nobody else can write; it runs with this command's user and a minimal\n"
    "environment, without a shell.\n"
    "\n"
    "Refuses to run as root unless [keys] allow_root = yes.\n"
    "\n"
    "Exit status: 0 when the question was answered (even with no keys),\n"
    "1 on a configuration or snapshot error (nothing printed), 2 on bad usage.\n";

/* A name sshd passes as %u; anything else is not a user we could know. */
static bool plausible_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '/')
			return false;
	return true;
}

/* sshd's %f: "SHA256:" and unpadded base64 (43 characters for SHA-256). */
static bool plausible_fingerprint(const char *s)
{
	size_t n;

	if (strncmp(s, "SHA256:", 7) != 0)
		return false;
	s += 7;
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
	return n >= 40 && n <= 64 && s[n] == '\0';
}

/* "APKA1=SHA256:...,APKA2=SHA256:..." of the keys offered, bounded. */
static void offered_list(const struct kc_entry *e, char *buf, size_t n)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < e->nkeys && o + 1 < n; i++) {
		const struct kc_key *k = &e->keys[i];
		if (!k->active || !k->line)
			continue;
		int w = snprintf(buf + o, n - o, "%s%s=%s", o ? "," : "", k->id, k->fingerprint);
		if (w < 0 || (size_t)w >= n - o)
			break;
		o += (size_t)w;
	}
	if (!buf[0])
		snprintf(buf, n, "none");
}

/* Ids of active keys refused by validation, for the audit line. */
static void rejected_list(const struct kc_entry *e, char *buf, size_t n)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < e->nkeys && o + 1 < n; i++) {
		const struct kc_key *k = &e->keys[i];
		if (!k->active || !k->reject)
			continue;
		int w = snprintf(buf + o, n - o, "%s%s", o ? "," : "", k->id);
		if (w < 0 || (size_t)w >= n - o)
			break;
		o += (size_t)w;
	}
}

static int print_keys(const struct kc_entry *e)
{
	size_t i;

	for (i = 0; i < e->nkeys; i++)
		if (e->keys[i].active && e->keys[i].line)
			printf("%s\n", e->keys[i].line);
	return fflush(stdout) == 0 ? 0 : -EIO;
}

/* iam-login, installed beside this program, does the IAM calls on a miss. */
static int helper_path(char *buf, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (len <= 0)
		return -errno;
	self[len] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	if (snprintf(buf, n, "%s/iam-login", self) >= (int)n)
		return -ENAMETOOLONG;
	return 0;
}

static int answer(const struct iam_config *cfg, const char *config_file, const char *user,
		  const char *offered_fp, int64_t started_ms)
{
	char helper[PATH_MAX];
	struct keyexec_ctx xctx;
	char cuser[80], carn[300], offered[1200], rejected[400], cerr[300];
	struct kc_request req;
	struct kc_result res;
	struct snap_user u;
	struct snap *snap = NULL;
	int r;

	log_clean(cuser, sizeof(cuser), user);
	if (!plausible_name(user)) {
		log_audit(LOG_NOTICE, "user=\"%s\" result=refused reason=\"invalid name\"", cuser);
		return 0;
	}
	r = keys_find_user(cfg, user, &snap, &u);
	if (r == -ENOENT) {
		/* Local accounts and unknown names: not ours to answer, and free of charge. */
		log_audit(LOG_DEBUG, "user=%s result=ignored reason=\"not an IAM user\"", cuser);
		return 0;
	}
	if (r == -EACCES) {
		log_audit(LOG_NOTICE, "user=%s result=refused reason=\"not in a login group\"",
			  cuser);
		return 0;
	}
	if (r < 0) {
		log_audit(LOG_ERR, "user=%s result=refused error=\"snapshot: %s\"", cuser,
			  strerror(-r));
		fprintf(stderr, PROG ": directory snapshot in %s unusable: %s\n", cfg->state_dir,
			strerror(-r));
		return 1;
	}
	log_clean(carn, sizeof(carn), u.iam_arn ? u.iam_arn : "-");
	{
		long age = 0;

		r = keys_check_login(cfg, snap, &u, &age);
		if (r == -ESTALE) {
			log_audit(LOG_WARNING,
				  "user=%s arn=%s result=refused reason=\"directory snapshot is "
				  "%lds old\"",
				  cuser, carn, age);
			snap_close(snap);
			return 0;
		}
		if (r < 0) {
			/* issue 8 finding 7: a local account took the name since the sync */
			log_audit(
			    LOG_WARNING,
			    "user=%s arn=%s result=refused reason=\"account resolved by NSS is "
			    "not the IAM user's (%s)\"",
			    cuser, carn, r == -EPERM ? "uid differs" : strerror(-r));
			snap_close(snap);
			return 0;
		}
	}

	keys_request_base(&req, cfg, &u);
	req.started_ms = started_ms;
	/* anything but a fingerprint's shape is ignored: behaviour as without %f */
	req.offered_fp = offered_fp && plausible_fingerprint(offered_fp) ? offered_fp : NULL;
	if (helper_path(helper, sizeof(helper)) < 0)
		snprintf(helper, sizeof(helper), "/usr/sbin/iam-login");
	xctx.helper = helper;
	xctx.config_path = config_file;
	xctx.user = u.name;
	xctx.types = req.types;
	req.fetch = keys_fetch_exec;
	req.fetch_ctx = &xctx;
	if (mkdir(cfg->keys_cache_dir, 0700) < 0 && errno != EEXIST) {
		/* Reported by keycache_get below. */
	}
	r = keycache_get(&req, &res);
	log_clean(cerr, sizeof(cerr), res.err.msg);
	if (cerr[0]) /* sshd logs the command's stderr: operators see why */
		fprintf(stderr, PROG ": %s: %s\n", cuser, cerr);
	if (r < 0 || res.source == KC_SRC_NONE) {
		log_audit(LOG_WARNING,
			  "user=%s arn=%s result=refused keys=none cache=%s error=\"%s\"", cuser,
			  carn, r < 0 ? "unusable" : "none", cerr[0] ? cerr : "no keys");
		snap_close(snap);
		return 0;
	}
	offered_list(&res.entry, offered, sizeof(offered));
	rejected_list(&res.entry, rejected, sizeof(rejected));
	r = print_keys(&res.entry);
	log_audit(keycache_entry_active(&res.entry) ? LOG_INFO : LOG_NOTICE,
		  "user=%s arn=%s result=%s keys=%s cache=%s age=%llds%s%s%s%s%s%s%s", cuser, carn,
		  keycache_entry_active(&res.entry) ? "offered" : "no-keys", offered,
		  keycache_source_name(res.source), (long long)res.age,
		  res.refreshed ? " refresh=offered-key-missing" : "",
		  res.waited ? " waited=yes" : "", rejected[0] ? " rejected=" : "", rejected,
		  cerr[0] ? " error=\"" : "", cerr, cerr[0] ? "\"" : "");
	keycache_entry_free(&res.entry);
	snap_close(snap);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	/* sshd waits from the moment it started us: so does the deadline */
	int64_t started_ms = keycache_clock_ms();
	const char *config_file = NULL;
	struct iam_config cfg;
	struct config_error err;
	int c, r;

	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_file = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs("Usage: " PROG " [--config FILE] USER [FINGERPRINT] (see --help)\n",
			      stderr);
			return 2;
		}
	}
	if (optind + 1 != argc && optind + 2 != argc) {
		fputs("Usage: " PROG " [--config FILE] USER [FINGERPRINT] (see --help)\n", stderr);
		return 2;
	}
	umask(022);
	openlog(PROG, LOG_PID, LOG_AUTHPRIV);

	memset(&err, 0, sizeof(err));
	r = config_defaults(&cfg);
	if (r == 0)
		r = config_load(config_path(config_file), &cfg, &err);
	if (r < 0) {
		if (err.err.msg[0])
			fprintf(stderr, PROG ": %s:%d: %s\n", err.file, err.line, err.err.msg);
		else
			fprintf(stderr, PROG ": %s: %s\n", config_path(config_file), strerror(-r));
		log_audit(LOG_ERR, "configuration unusable, no keys offered");
		return 1;
	}
	if (geteuid() == 0 && !cfg.keys_allow_root) {
		fprintf(stderr, PROG ": refusing to run as root; set AuthorizedKeysCommandUser "
				     "(or [keys] allow_root = yes)\n");
		log_audit(LOG_ERR, "refused to run as root, no keys offered");
		config_free(&cfg);
		return 1;
	}
	r = answer(&cfg, config_path(config_file), argv[optind],
		   optind + 2 == argc ? argv[optind + 1] : NULL, started_ms);
	if (cfg.keys_chain && *cfg.keys_chain && plausible_name(argv[optind])) {
		const char *fp = optind + 2 == argc ? argv[optind + 1] : NULL;
		struct chain_result cr;
		char cuser[80];

		/* after our answer, within the same deadline: for every user (EC2
		 * Instance Connect serves local accounts such as admin) */
		log_clean(cuser, sizeof(cuser), argv[optind]);
		if (chain_run(cfg.keys_chain, argv[optind],
			      fp && plausible_fingerprint(fp) ? fp : NULL,
			      started_ms + cfg.keys_deadline_ms, &cr) < 0) {
			fprintf(stderr, PROG ": %s: chain: %s\n", cuser, cr.err.msg);
			log_audit(LOG_WARNING, "user=%s chain=failed error=\"%s\"", cuser,
				  cr.err.msg);
		} else if (cr.lines || cr.dropped) {
			log_audit(LOG_INFO, "user=%s chain=ran lines=%zu dropped=%zu", cuser,
				  cr.lines, cr.dropped);
			/* sshd ignores the output of a failed command: keys the chain
			 * printed must count even when our own half failed */
			if (cr.lines)
				r = 0;
		}
	}
	config_free(&cfg);
	return r;
}
