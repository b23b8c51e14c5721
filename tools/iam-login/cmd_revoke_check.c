/* iam-login revoke-check USER: what this host would do for USER right now, and why. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "commands.h"
#include "config/config.h"
#include "keys/keycache.h"
#include "keys/keyuser.h"
#include "base/log.h"
#include "snapshot/snapshot_reader.h"
#include "mfa/totp.h"
#include "mfa/usersfile.h"

static const char help[] =
    "Usage: iam-login revoke-check USER\n"
    "\n"
    "Say what this host would do for the Linux user USER right now, and why,\n"
    "from local state only (no AWS call): the snapshot entry and its age, the\n"
    "IAM groups, whether sshd gets keys for USER ([keys] login_groups) and which\n"
    "are cached (age, fresh or not), each PAM service's group gate ([pam]\n"
    "service.NAME, sshd falling back to login_groups), and MFA (enrolled, policy).\n"
    "The last lines are the verdicts: ssh and each gated service, allowed or\n"
    "refused, with the reason. Revocation happens when the next sync installs a\n"
    "snapshot without the membership (groups, users) or when the cached key\n"
    "list expires ([keys] ttl: a key deleted in IAM).\n"
    "\n"
    "Exit status: 0 the question was answered, 1 config or snapshot unusable,\n"
    "2 usage error.\n";

static const char *groups_text(const struct str_list *l, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n && used < n; i++) {
		int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", l->items[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

/* Not in the snapshot: say whether the sync excluded the name, and why. */
static void not_iam(const struct snap *s, const struct snap_info *info, const char *user)
{
	char name[80], why[200];

	log_clean(name, sizeof(name), user);
	for (uint32_t i = 0; i < info->nexcluded; i++) {
		struct snap_excluded x;

		if (snap_excluded_at(s, i, &x) < 0 || !x.iam_name || strcasecmp(x.iam_name, user))
			continue;
		log_clean(why, sizeof(why), x.reason ? x.reason : "-");
		printf("%-9s IAM %s %s is excluded: %s\n", "snapshot", x.kind ? x.kind : "user",
		       name, why);
	}
	printf("%-9s %s is not an IAM user here: sshd gets no IAM keys, pam_iam ignores it "
	       "(local rules apply)\n",
	       "verdict", name);
}

static void keys_section(const struct iam_config *cfg, const struct snap *s,
			 const struct snap_user *u, bool *ssh_ok, char *ssh_why, size_t whylen)
{
	struct kc_entry e = {0};
	char buf[512];
	long age = 0;
	int r;

	*ssh_ok = true;
	if (cfg->login_groups.n > 0 &&
	    !snap_user_in_groups(s, u, (const char *const *)cfg->login_groups.items,
				 cfg->login_groups.n)) {
		*ssh_ok = false;
		snprintf(ssh_why, whylen, "not in [keys] login_groups (%s): no keys are offered",
			 groups_text(&cfg->login_groups, buf, sizeof(buf)));
	}
	r = keys_check_login(cfg, s, u, &age);
	if (r == -ESTALE && *ssh_ok) {
		*ssh_ok = false;
		snprintf(ssh_why, whylen, "snapshot %ld s old, over [pam] max_snapshot_age", age);
	} else if (r == -EPERM && *ssh_ok) {
		*ssh_ok = false;
		snprintf(ssh_why, whylen, "the account NSS resolves for %s is not this IAM user",
			 u->name);
	}
	r = keycache_read(cfg->keys_cache_dir, u->name, cfg->key_types.n ? &cfg->key_types : NULL,
			  &e);
	if (r == 0 && e.iam_id && strcmp(e.iam_id, u->iam_id) == 0) {
		int64_t now = (int64_t)time(NULL);
		struct kc_policy p = {cfg->keys_ttl, cfg->keys_negative_ttl, cfg->keys_max_stale,
				      cfg->keys_refresh_min_interval};
		enum kc_freshness f = keycache_classify(&e, now, &p);

		printf("%-9s %zu active key(s) cached, fetched %lld s ago: %s\n", "cache",
		       keycache_entry_active(&e), (long long)(now - e.fetched),
		       f == KC_FRESH	 ? "fresh (served without asking IAM)"
		       : f == KC_EXPIRED ? "expired (IAM is asked at the next login; served "
					   "only while IAM is unreachable)"
					 : "too old to serve (IAM must answer)");
		for (size_t i = 0; i < e.nkeys; i++)
			if (e.keys[i].active && e.keys[i].line)
				printf("%-9s %s %s\n", "", e.keys[i].id, e.keys[i].fingerprint);
	} else {
		printf("%-9s no cached keys for this IAM user: the next login asks IAM\n", "cache");
	}
	keycache_entry_free(&e);
}

/* The MFA line, and what a login needs after the key. */
static const char *mfa_section(const struct iam_config *cfg, const struct snap_user *u)
{
	struct usersfile_status st;
	int r = usersfile_status(cfg->mfa_usersfile, u->iam_id, &st);
	const char *policy = cfg->mfa_policy == MFA_REQUIRED	  ? "required"
			     : cfg->mfa_policy == MFA_IF_ENROLLED ? "if-enrolled"
								  : "off";

	if (r == 0)
		printf("%-9s enrolled (%u digits, %u s steps%s%s), [mfa] policy %s\n", "mfa",
		       st.digits, st.period, st.last_used[0] ? ", last code " : "", st.last_used,
		       policy);
	else if (r == -ENOENT)
		printf("%-9s not enrolled, [mfa] policy %s\n", "mfa", policy);
	else
		printf("%-9s usersfile %s unusable (%s): codes are refused\n", "mfa",
		       cfg->mfa_usersfile, strerror(-r));
	if (cfg->mfa_policy == MFA_OFF)
		return "the key alone";
	if (r == 0)
		return "the key, then a TOTP code";
	if (r == -ENOENT)
		return cfg->mfa_policy == MFA_REQUIRED ? NULL : "the key alone";
	return NULL;
}

static void gate_line(const struct snap *s, const struct snap_user *u, const char *service,
		      const struct str_list *groups, bool *ok)
{
	char buf[512];

	*ok = groups->n == 0 ||
	      snap_user_in_groups(s, u, (const char *const *)groups->items, groups->n);
	printf("%-9s %s: %s (%s)\n", "gate", service, *ok ? "allowed" : "denied",
	       groups->n ? groups_text(groups, buf, sizeof(buf)) : "no group rule");
}

static int check(const struct iam_config *cfg, const char *user)
{
	char path[PATH_MAX], why[300] = "", buf[512];
	struct snap *s = NULL;
	struct snap_info info;
	struct snap_user u;
	bool ssh_ok, gate_ok;
	const char *factor;
	int r;

	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, IAM_SNAPSHOT_NAME);
	r = snap_open(path, &s);
	if (r < 0) {
		fprintf(stderr,
			"iam-login revoke-check: snapshot %s unusable: %s (every IAM login is "
			"refused; run 'iam-login sync' as root)\n",
			path, strerror(-r));
		return 1;
	}
	snap_get_info(s, &info);
	printf("%-9s generation %llu, %lld s old (max_snapshot_age %ld)\n", "snapshot",
	       (unsigned long long)info.generation, (long long)(time(NULL) - info.created),
	       cfg->max_snapshot_age);
	if (snap_user_by_name(s, user, &u) < 0) {
		not_iam(s, &info, user);
		snap_close(s);
		return 0;
	}
	printf("%-9s %s (uid %u) is IAM %s %s\n", "user", u.name, u.uid, u.iam_name,
	       u.iam_arn ? u.iam_arn : "");
	buf[0] = '\0';
	for (uint32_t i = 0, used = 0; i < u.ngroups && used < sizeof(buf); i++) {
		struct snap_group g;
		if (snap_user_group_at(s, &u, i, &g) == 0) {
			int w = snprintf(buf + used, sizeof(buf) - used, "%s%s", used ? " " : "",
					 g.name);
			used += w > 0 ? (uint32_t)w : 0;
		}
	}
	printf("%-9s %s\n", "groups", buf[0] ? buf : "(none)");
	keys_section(cfg, s, &u, &ssh_ok, why, sizeof(why));
	factor = mfa_section(cfg, &u);
	{
		const struct str_list *sshd = config_service_groups(cfg, "sshd");
		gate_line(s, &u, "sshd", sshd && sshd->n ? sshd : &cfg->login_groups, &gate_ok);
		if (ssh_ok && !gate_ok) {
			ssh_ok = false;
			snprintf(why, sizeof(why), "the sshd group gate denies the account");
		}
	}
	for (size_t i = 0; i < cfg->nservices; i++) {
		bool ok;

		if (strcmp(cfg->services[i].service, "sshd") == 0)
			continue;
		gate_line(s, &u, cfg->services[i].service, &cfg->services[i].groups, &ok);
		printf("%-9s %s: %s\n", "verdict", cfg->services[i].service,
		       !ok	? "refused (group gate)"
		       : factor ? "allowed after a TOTP code (IAM users have no password)"
				: "refused (no usable TOTP secret)");
	}
	if (ssh_ok && !factor)
		snprintf(why, sizeof(why), "mfa required and no usable TOTP secret");
	printf("%-9s ssh: %s%s\n", "verdict",
	       ssh_ok && factor ? "allowed with " : "refused: ", ssh_ok && factor ? factor : why);
	snap_close(s);
	return 0;
}

int cmd_revoke_check(int argc, char **argv, const struct cli_ctx *ctx)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	struct iam_config cfg;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return 0;
		}
		fputs("Usage: iam-login revoke-check USER (see --help)\n", stderr);
		return 2;
	}
	if (optind + 1 != argc) {
		fputs("Usage: iam-login revoke-check USER (see --help)\n", stderr);
		return 2;
	}
	if (cli_load_config(ctx, &cfg) < 0)
		return 1;
	r = check(&cfg, argv[optind]);
	config_free(&cfg);
	return r;
}
