/* iam-login doctor: check this host's setup end to end and say what to fix. */
#include "aws/aws.h"
#include "aws/dynamodb.h"
#include "aws/sts.h"
#include "directory/mfa_pull.h"
#include "cli_hint.h"
#include "commands.h"
#include "doctor.h"
#include "directory/bundle.h"
#include "cli_snap.h"
#include <jansson.h>
#include "config/config.h"
#include "snapshot/snapshot_reader.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define report doctor_report

void doctor_report(struct doctor *d, const char *level, const char *fmt, ...)
{
	va_list ap;

	if (strcmp(level, "FAIL") == 0)
		d->failures++;
	else if (strcmp(level, "WARN") == 0)
		d->warnings++;
	printf("%-4s  ", level);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Is word one of the blank-separated words of s, or the last part of a path
 * there (PAM lines may name a module by its full path)? */
static bool names_word(char *s, const char *word)
{
	size_t wn = strlen(word);
	char *save = NULL;

	for (char *tok = strtok_r(s, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		size_t tn = strlen(tok);

		if (strcmp(tok, word) == 0 ||
		    (tn > wn && tok[tn - wn - 1] == '/' && strcmp(tok + tn - wn, word) == 0))
			return true;
	}
	return false;
}

bool doctor_file_has(const char *path, const char *key, const char *word, int depth)
{
	const char *slash = strrchr(path, '/');
	char line[1024], inc[256], sub[PATH_MAX];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");

		if (*p == '#')
			continue;
		if (depth > 0 && sscanf(p, "@include %255s", inc) == 1 && !strchr(inc, '/')) {
			/* the included file is a sibling: /etc/pam.d/common-auth */
			if (slash)
				snprintf(sub, sizeof(sub), "%.*s/%s", (int)(slash - path), path,
					 inc);
			else
				snprintf(sub, sizeof(sub), "%s", inc);
			found = doctor_file_has(sub, key, word, depth - 1);
		} else if (strncmp(p, key, strlen(key)) == 0) {
			found = names_word(p + strlen(key), word);
		}
	}
	fclose(f);
	return found;
}

static bool nsswitch_has_line(const char *path, const char *key)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line + strspn(line, " \t"), key, strlen(key)) == 0;
	fclose(f);
	return found;
}

static void check_snapshot(struct doctor *d, const struct iam_config *cfg)
{
	char path[PATH_MAX];
	struct snap *s;
	struct snap_info info;
	int r;

	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, IAM_SNAPSHOT_NAME);
	r = snap_open_verified(path, &s);
	if (r == -EPERM) {
		/* what a host set up before root installed the snapshot looks like */
		report(d, "FAIL",
		       "snapshot %s is not owned by root (or writable by others): every reader "
		       "ignores it; run 'iam-login sync' as root, which installs a root-owned one",
		       path);
		return;
	}
	if (r < 0) {
		report(d, "FAIL", "snapshot %s: %s (run 'iam-login sync' as root)", path,
		       strerror(-r));
		return;
	}
	snap_get_info(s, &info);
	snap_close(s);
	long age = (long)(time(NULL) - info.created);
	if (cfg->max_snapshot_age > 0 && age > cfg->max_snapshot_age)
		report(d, "FAIL",
		       "snapshot is %ld s old, over [pam] max_snapshot_age %ld: IAM users are "
		       "refused (is iam-login-sync.timer running?)",
		       age, cfg->max_snapshot_age);
	else
		report(d, "ok", "snapshot generation %llu, %u users, %u groups, %ld s old",
		       (unsigned long long)info.generation, info.nusers, info.ngroups, age);
	if (info.nexcluded)
		report(d, "WARN", "%u IAM names are excluded (see 'iam-login status')",
		       info.nexcluded);
}

static void check_aws(struct doctor *d, const struct iam_config *cfg)
{
	struct aws_client *c = NULL;
	struct aws_error err = {0};
	struct sts_identity id = {0};
	char buf[768];

	if (aws_client_new(cfg, 0, &c, &err) < 0) {
		report(d, "FAIL", "AWS credentials: %s", aws_error_str(&err, buf, sizeof(buf)));
		if (*cli_creds_hint(cfg, &err, "doctor", buf, sizeof(buf)))
			report(d, "hint", "%s", buf);
		return;
	}
	if (sts_get_caller_identity(c, &id, &err) < 0)
		report(d, "FAIL", "STS GetCallerIdentity: %s",
		       aws_error_str(&err, buf, sizeof(buf)));
	else
		report(d, "ok", "AWS identity %s", id.arn);
	sts_identity_free(&id);
	aws_client_free(c);
}

/* Fleet mode: the key hosts verify with, and the bundle as S3 has it now. */
static void check_fleet(struct doctor *d, const struct iam_config *cfg)
{
	struct bundle_pubkey *pk = NULL;
	struct iam_err err = {0};
	json_t *st;

	if (!cfg->directory_source)
		return;
	if (bundle_pubkey_load(cfg->signing_public_key, &pk, &err) < 0) {
		report(d, "FAIL", "fleet: signing_public_key: %s", err.msg);
	} else {
		report(d, "ok", "fleet: bundles from %s must verify with %s", cfg->directory_source,
		       cfg->signing_public_key);
		bundle_pubkey_free(pk);
	}
	st = cli_status_load(cfg);
	if (st && json_is_string(json_object_get(st, "error")))
		report(d, "FAIL", "fleet: last fetch: %s",
		       json_string_value(json_object_get(st, "error")));
	json_decref(st);
}

/* Fleet MFA: the installed MFA bundle, and (online) whether the replay guard answers. */
static void check_fleet_mfa(struct doctor *d, const struct iam_config *cfg, bool offline)
{
	struct mfa_state st;
	int r = mfa_state_read(cfg->mfa_usersfile, false, &st);
	int64_t now = (int64_t)time(NULL);

	if (r == 0)
		report(d, "ok", "fleet MFA: generation %llu, %lld s old, %zu enrolled users",
		       (unsigned long long)st.generation, (long long)(now - st.created), st.users);
	else if (r != -ENOENT)
		report(d, "FAIL", "fleet MFA: %s%s: %s", cfg->mfa_usersfile, MFA_STATE_SUFFIX,
		       strerror(-r));
	else if (cfg->directory_source && cfg->mfa_replay_table)
		report(d, "WARN",
		       "fleet MFA: no MFA bundle installed (run 'iam-login mfa pull' "
		       "as root)");
	if (!cfg->mfa_replay_table || offline)
		return;
	struct aws_client *c = NULL;
	struct aws_error err = {0};
	char buf[700];

	r = aws_client_new(cfg, 0, &c, &err);
	if (r == 0) {
		aws_client_set_deadline(c, 3000);
		r = ddb_table_ready(c, cfg->mfa_replay_table, &err);
	}
	if (r == 0)
		report(d, "ok", "replay guard: DynamoDB table %s answers", cfg->mfa_replay_table);
	else
		report(d, cfg->mfa_replay_deny ? "FAIL" : "WARN",
		       "replay guard: DynamoDB table %s: %s (replay_guard_failure = %s: %s)",
		       cfg->mfa_replay_table, aws_error_str(&err, buf, sizeof(buf)),
		       cfg->mfa_replay_deny ? "deny" : "local",
		       cfg->mfa_replay_deny ? "IAM users cannot log in with a code"
					    : "codes are checked against this host's state only");
	aws_client_free(c);
}

static int usage(FILE *out)
{
	fprintf(out,
		"Usage: iam-login [--config FILE] doctor [--offline] [--sshd PATH]\n"
		"                 [--sshd-config FILE] [--sudoers-dir DIR]\n"
		"\n"
		"Check this host's iam-login setup and say what to fix: the config file,\n"
		"the directory snapshot and its age, nsswitch.conf, the MFA usersfile, the\n"
		"sudoers drop-in's mode, and (unless --offline) the AWS identity the host uses.\n"
		"\n"
		"sshd is checked as it will really run, from `sshd -T` (as root): the key\n"
		"command and its user; for an IAM user of the snapshot (`sshd -T -C user=...`)\n"
		"that the MFA methods apply and IAM users' own authorized_keys are ignored;\n"
		"for every local account with ~/.ssh/authorized_keys that the settings do not\n"
		"lock it out (asked for keyboard-interactive or a password it does not have).\n"
		"\n"
		"Options:\n"
		"  --offline           no AWS calls\n"
		"  --sshd PATH         sshd binary (default /usr/sbin/sshd)\n"
		"  --sshd-config FILE  sshd's main config (default /etc/ssh/sshd_config)\n"
		"  --sudoers-dir DIR   where the sudoers drop-in is (default /etc/sudoers.d)\n"
		"  -h, --help          show this help\n"
		"\n"
		"Each line starts with ok, WARN, FAIL or hint (what to do next).\n"
		"\n"
		"Exit status: 0 when nothing failed, 1 otherwise, 2 usage error.\n");
	return out == stdout ? 0 : 2;
}

int cmd_doctor(int argc, char **argv, const struct cli_ctx *ctx)
{
	static const struct option opts[] = {{"offline", no_argument, NULL, 'o'},
					     {"sshd", required_argument, NULL, 's'},
					     {"sshd-config", required_argument, NULL, 'c'},
					     {"sudoers-dir", required_argument, NULL, 'S'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct doctor d = {.sshd = "/usr/sbin/sshd",
			   .sshd_config = "/etc/ssh/sshd_config",
			   .sudoers_dir = "/etc/sudoers.d",
			   .pam_dir = "/etc/pam.d"};
	struct iam_config cfg;
	struct stat st;
	bool offline = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'o')
			offline = true;
		else if (c == 's')
			d.sshd = optarg;
		else if (c == 'c')
			d.sshd_config = optarg;
		else if (c == 'S')
			d.sudoers_dir = optarg;
		else if (c == 'h')
			return usage(stdout);
		else
			return usage(stderr);
	}
	if (optind != argc)
		return usage(stderr);

	int r = cli_load_config(ctx, &cfg);
	if (r == -ENOENT && config_defaults(&cfg) == 0) {
		/* Still worth checking the rest: what the defaults would do. */
		report(&d, "FAIL",
		       "config %s is missing: the tools refuse to run without it; the packaged "
		       "one is /usr/share/doc/iam-login/examples/iam-login.conf (or: apt-get "
		       "install --reinstall -o Dpkg::Options::=--force-confmiss iam-login). The "
		       "checks below use the defaults",
		       ctx->config_path);
	} else if (r < 0) {
		printf("FAIL  config %s cannot be used (see above)\n", ctx->config_path);
		return 1;
	} else {
		report(&d, "ok", "config %s", ctx->config_path);
	}
	check_snapshot(&d, &cfg);

	if (doctor_file_has("/etc/nsswitch.conf", "passwd:", "iam", 0) &&
	    doctor_file_has("/etc/nsswitch.conf", "group:", "iam", 0))
		report(&d, "ok", "nsswitch.conf: passwd and group use iam");
	else
		report(&d, "WARN",
		       "nsswitch.conf: add 'iam' after 'files' to passwd: and group: "
		       "(see conf/nsswitch.conf)");
	/* Without an initgroups line glibc uses the group line (and our
	 * initgroups_dyn); a line of its own without iam hides IAM groups. */
	if (nsswitch_has_line("/etc/nsswitch.conf", "initgroups:") &&
	    !doctor_file_has("/etc/nsswitch.conf", "initgroups:", "iam", 0))
		report(&d, "WARN",
		       "nsswitch.conf: the initgroups: line has no 'iam': IAM users get no IAM "
		       "groups at login (sudo by IAM group fails); add iam after files");

	if (stat("/etc/ssh/sshd_config.d/iam-login.conf", &st) == 0)
		report(&d, "ok", "sshd drop-in /etc/ssh/sshd_config.d/iam-login.conf present");
	else
		report(&d, "WARN",
		       "no sshd drop-in: copy conf/sshd_config.d/iam-login.conf to "
		       "/etc/ssh/sshd_config.d/ for IAM SSH keys");
	doctor_check_sshd(&d, &cfg);
	doctor_check_sudoers(&d);
	doctor_check_pam(&d);

	if (stat(cfg.mfa_usersfile, &st) == 0) {
		if (st.st_uid != 0 || (st.st_mode & 077))
			report(&d, "FAIL",
			       "%s must be owned by root with mode 0600 (pam_iam refuses it)",
			       cfg.mfa_usersfile);
		else
			report(&d, "ok", "MFA usersfile %s is root 0600", cfg.mfa_usersfile);
	} else if (cfg.mfa_policy == MFA_REQUIRED) {
		report(&d, "WARN",
		       "[mfa] policy is required but %s does not exist: nobody is "
		       "enrolled yet ('iam-login mfa enroll USER')",
		       cfg.mfa_usersfile);
	}
	check_fleet(&d, &cfg);
	check_fleet_mfa(&d, &cfg, offline);
	if (!offline)
		check_aws(&d, &cfg);

	printf("%d failed, %d warnings\n", d.failures, d.warnings);
	config_free(&cfg);
	return d.failures ? 1 : 0;
}
