/* doctor: sshd's effective settings and the sudoers drop-in, as they will apply. */
#include "doctor.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <shadow.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "config/config.h"
#include "base/log.h"
#include "base/spawn.h"
#include "snapshot/snapshot_reader.h"

#define SSHD_OUT_MAX (256 * 1024)
#define SSHD_DEADLINE_MS 10000 /* sshd -T reads files; a hung one must not hang doctor */
#define LOCAL_ACCOUNTS_MAX 200
#define EIC_COMMAND                                                                                \
	"/usr/share/ec2-instance-connect/eic_run_authorized_keys" /* checked with sshd -T -C, one  \
								     process each */

/*
 * sshd -T -f CONFIG [-C SPEC]: its output (stdout and stderr) into *out.
 * 0 when sshd exited 0; -EIO otherwise (*out then holds why); -errno when it
 * could not run or did not finish in time (*out says which).
 */
static int sshd_effective(const struct doctor *d, const char *spec, char **out)
{
	char *argv[] = {(char *)d->sshd,
			(char *)"-T",
			(char *)"-f",
			(char *)d->sshd_config,
			spec ? (char *)"-C" : NULL,
			(char *)spec,
			NULL};
	struct spawn_opts o = {.path = d->sshd,
			       .argv = argv,
			       .err = SPAWN_STDERR_PIPE,
			       .deadline_ms = clock_mono_ms() + SSHD_DEADLINE_MS,
			       .max_output = SSHD_OUT_MAX,
			       .truncate = true};
	struct spawn_result res;
	char why[200];
	int r = spawn_run(&o, &res);

	if (r == 0) {
		*out = res.out;
		return res.exit_code == 0 ? 0 : -EIO;
	}
	spawn_result_free(&res);
	/* say why in *out, which the callers print */
	if (r == -ETIMEDOUT)
		snprintf(why, sizeof(why), "%.150s -T did not finish within %d s", d->sshd,
			 SSHD_DEADLINE_MS / 1000);
	else
		snprintf(why, sizeof(why), "cannot run %.150s: %s", d->sshd, strerror(-r));
	*out = strdup(why);
	return r;
}

/* The value of keyword in sshd -T output ("" when absent), into val. */
static const char *setting(const char *out, const char *keyword, char *val, size_t size)
{
	size_t kl = strlen(keyword);

	val[0] = '\0';
	for (const char *line = out; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t ll = end ? (size_t)(end - line) : strlen(line);

		if (ll > kl && strncmp(line, keyword, kl) == 0 && line[kl] == ' ') {
			snprintf(val, size, "%.*s", (int)(ll - kl - 1), line + kl + 1);
			break;
		}
		line = end ? end + 1 : NULL;
	}
	return val;
}

/* Does every list of AuthenticationMethods include method (prefix match)? */
static bool every_list_has(const char *methods, const char *method)
{
	char copy[1024], *save = NULL;

	if (!*methods || strcmp(methods, "any") == 0)
		return false;
	snprintf(copy, sizeof(copy), "%s", methods);
	for (char *list = strtok_r(copy, " ", &save); list; list = strtok_r(NULL, " ", &save))
		if (!strstr(list, method))
			return false;
	return true;
}

/* First line of sshd's complaint, cleaned for the terminal. */
static const char *first_line(const char *out, char *buf, size_t size)
{
	char line[256];
	size_t n = strcspn(out ? out : "", "\n");

	snprintf(line, sizeof(line), "%.*s", (int)(n < 255 ? n : 255), out ? out : "");
	return log_clean(buf, size, line[0] ? line : "no output");
}

static void check_iam_user(struct doctor *d, const struct iam_config *cfg, const char *user)
{
	char spec[160], v[1024], why[300];
	char *out = NULL;
	int r;

	snprintf(spec, sizeof(spec), "user=%s,host=localhost,addr=127.0.0.1", user);
	r = sshd_effective(d, spec, &out);
	if (r < 0) {
		doctor_report(d, "FAIL", "sshd -T -C user=%s: %s", user,
			      first_line(out, why, sizeof(why)));
		free(out);
		return;
	}
	/* MFA is expected when required, or when someone is enrolled under if-enrolled */
	if (cfg->mfa_policy == MFA_REQUIRED ||
	    (cfg->mfa_policy == MFA_IF_ENROLLED && access(cfg->mfa_usersfile, F_OK) == 0)) {
		setting(out, "authenticationmethods", v, sizeof(v));
		if (!every_list_has(v, "keyboard-interactive"))
			doctor_report(
			    d, "FAIL",
			    "MFA is not enforced for IAM users by sshd: for %s "
			    "AuthenticationMethods is '%s' (install "
			    "conf/sshd_config.d/iam-login-mfa.conf: its Match Group %s block "
			    "asks for publickey,keyboard-interactive:pam)",
			    user, v, cfg->users_group[0] ? cfg->users_group : "iam-users");
		else if (strcmp(setting(out, "kbdinteractiveauthentication", v, sizeof(v)),
				"yes") != 0 ||
			 strcmp(setting(out, "usepam", v, sizeof(v)), "yes") != 0)
			doctor_report(
			    d, "FAIL",
			    "sshd asks IAM users for keyboard-interactive, but "
			    "KbdInteractiveAuthentication or UsePAM is off for %s: nobody "
			    "can finish the login",
			    user);
		else
			doctor_report(
			    d, "ok", "sshd asks IAM users (e.g. %s) for their key, then PAM", user);
	}
	if (strcmp(setting(out, "authorizedkeysfile", v, sizeof(v)), "none") != 0)
		doctor_report(d, "WARN",
			      "sshd honours IAM users' own authorized_keys (%s for %s): a key "
			      "planted there outlives its deletion in IAM; the shipped drop-in "
			      "sets AuthorizedKeysFile none under Match Group %s",
			      v, user, cfg->users_group[0] ? cfg->users_group : "iam-users");
	if (cfg->mfa_policy == MFA_IF_ENROLLED &&
	    strcmp(setting(out, "exposeauthinfo", v, sizeof(v)), "yes") != 0)
		doctor_report(d, "WARN",
			      "ExposeAuthInfo is off: IAM users without an enrolled code cannot "
			      "log in (pam_iam needs sshd's proof of the key)");
	free(out);
}

static bool has_password(const char *user)
{
	struct spwd *sp = getspnam(user);

	return sp && sp->sp_pwdp && sp->sp_pwdp[0] && sp->sp_pwdp[0] != '!' &&
	       sp->sp_pwdp[0] != '*';
}

static bool login_shell(const char *shell)
{
	const char *base = strrchr(shell ? shell : "", '/');

	base = base ? base + 1 : shell;
	return shell && *shell && strcmp(base, "nologin") != 0 && strcmp(base, "false") != 0;
}

/*
 * Local accounts that log in with a key of their own: would the effective
 * AuthenticationMethods ask them for something they cannot give?
 */
static void check_local_accounts(struct doctor *d)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	unsigned checked = 0, locked = 0;

	if (!f)
		return;
	while ((pw = fgetpwent(f)) && checked < LOCAL_ACCOUNTS_MAX) {
		char keys[PATH_MAX], spec[160], v[1024], why[300];
		char *out = NULL;
		struct stat st;

		if (!login_shell(pw->pw_shell) || !pw->pw_dir || strlen(pw->pw_name) > 64)
			continue;
		snprintf(keys, sizeof(keys), "%s/.ssh/authorized_keys", pw->pw_dir);
		if (stat(keys, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
			continue;
		checked++;
		snprintf(spec, sizeof(spec), "user=%s,host=localhost,addr=127.0.0.1", pw->pw_name);
		if (sshd_effective(d, spec, &out) < 0) {
			doctor_report(d, "FAIL", "sshd -T -C user=%s: %s", pw->pw_name,
				      first_line(out, why, sizeof(why)));
			free(out);
			continue;
		}
		setting(out, "authenticationmethods", v, sizeof(v));
		free(out);
		if (!every_list_has(v, "keyboard-interactive") && !every_list_has(v, "password"))
			continue;
		if (!has_password(pw->pw_name)) {
			locked++;
			doctor_report(
			    d, "FAIL",
			    "local account %s would be locked out of ssh: sshd asks it for "
			    "'%s' after its key and it has no password (keep "
			    "AuthenticationMethods under Match Group, as the shipped "
			    "drop-in does)",
			    pw->pw_name, v);
		} else {
			doctor_report(d, "WARN",
				      "local account %s must now type its password after its key "
				      "(sshd: AuthenticationMethods %s)",
				      pw->pw_name, v);
		}
	}
	fclose(f);
	if (checked && !locked)
		doctor_report(d, "ok",
			      "sshd: %u local account%s with authorized_keys keep%s access",
			      checked, checked == 1 ? "" : "s", checked == 1 ? "s" : "");
}

/*
 * EC2 Instance Connect ships its own AuthorizedKeysCommand; sshd runs only
 * one, so with iam-login's drop-in first EIC stops working unless chained.
 */
static void check_eic(struct doctor *d, const struct iam_config *cfg)
{
	if (access(EIC_COMMAND, X_OK) < 0)
		return;
	if (cfg->keys_chain && strstr(cfg->keys_chain, "eic_run_authorized_keys"))
		doctor_report(d, "ok", "EC2 Instance Connect is chained after iam-login's keys");
	else
		doctor_report(d, "WARN",
			      "EC2 Instance Connect is installed but sshd now runs iam-login's "
			      "AuthorizedKeysCommand instead of its own: add to [keys] "
			      "'chain = " EIC_COMMAND " %%u %%f'");
}

/* The first user of the snapshot: sshd resolves its groups through NSS. */
static int some_iam_user(const struct iam_config *cfg, char *name, size_t size)
{
	char path[PATH_MAX];
	struct snap *s;
	struct snap_user u;
	int r;

	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, IAM_SNAPSHOT_NAME);
	r = snap_open(path, &s);
	if (r < 0)
		return r;
	r = snap_user_at(s, 0, &u);
	if (r == 0)
		snprintf(name, size, "%s", u.name);
	snap_close(s);
	return r;
}

void doctor_check_sshd(struct doctor *d, const struct iam_config *cfg)
{
	char v[1024], why[300], user[64];
	char *out = NULL;
	int r;

	if (access(d->sshd_config, F_OK) < 0 || access(d->sshd, X_OK) < 0) {
		doctor_report(d, "ok", "no sshd here (%s): its checks skipped", d->sshd_config);
		return;
	}
	if (geteuid() != 0) {
		doctor_report(d, "hint", "run doctor as root to check sshd's effective settings");
		return;
	}
	r = sshd_effective(d, NULL, &out);
	if (r < 0) {
		doctor_report(d, "FAIL", "sshd -T -f %s: %s", d->sshd_config,
			      first_line(out, why, sizeof(why)));
		free(out);
		return;
	}
	setting(out, "authorizedkeyscommand", v, sizeof(v));
	if (!strstr(v, "iam-authorized-keys"))
		doctor_report(d, "FAIL",
			      "sshd's AuthorizedKeysCommand is '%s': IAM users get no keys "
			      "(sshd takes the first value it reads: is the drop-in included "
			      "before another one?)",
			      v[0] ? v : "none");
	else {
		char u[128];

		setting(out, "authorizedkeyscommanduser", u, sizeof(u));
		if (!u[0] || strcmp(u, "root") == 0 || strcmp(u, cfg->sync_user) == 0)
			doctor_report(
			    d, "FAIL",
			    "AuthorizedKeysCommandUser is '%s': the key command must run as "
			    "its own user (iam-login-keys), never root or the sync user",
			    u[0] ? u : "unset");
		else
			doctor_report(d, "ok", "sshd gets keys from %s as %s", v, u);
	}
	free(out);
	check_eic(d, cfg);
	if (some_iam_user(cfg, user, sizeof(user)) == 0)
		check_iam_user(d, cfg, user);
	else
		doctor_report(d, "hint",
			      "no IAM user in the snapshot: sshd's IAM settings unchecked");
	check_local_accounts(d);
}

void doctor_check_pam(struct doctor *d)
{
	char path[PATH_MAX], sudo_pam[PATH_MAX], sshd_pam[PATH_MAX];

	snprintf(path, sizeof(path), "%s/iam-login", d->sudoers_dir);
	/* one level of @include, as Debian's common-* are */
	snprintf(sudo_pam, sizeof(sudo_pam), "%s/sudo", d->pam_dir);
	snprintf(sshd_pam, sizeof(sshd_pam), "%s/sshd", d->pam_dir);
	if (access(path, F_OK) == 0 && !doctor_file_has(sudo_pam, "", "pam_iam.so", 1))
		doctor_report(d, "WARN",
			      "%s grants sudo by IAM group but %s/sudo has no pam_iam: IAM users "
			      "(no password) cannot pass it (conf/pam.d/sudo-iam-login)",
			      path, d->pam_dir);
	if (access("/etc/ssh/sshd_config.d/iam-login-mfa.conf", F_OK) == 0 &&
	    !doctor_file_has(sshd_pam, "", "pam_iam.so", 1))
		doctor_report(
		    d, "FAIL",
		    "iam-login-mfa.conf sends IAM users to PAM but %s/sshd has no pam_iam: "
		    "they are refused (conf/pam.d/sshd-iam-login)",
		    d->pam_dir);
	else if (doctor_file_has(sshd_pam, "", "pam_iam.so", 1))
		doctor_report(d, "ok", "%s/sshd stacks pam_iam", d->pam_dir);
}

void doctor_check_sudoers(struct doctor *d)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/iam-login", d->sudoers_dir);
	if (lstat(path, &st) < 0)
		return; /* not installed: nothing granted by IAM group */
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 07777) != 0440)
		doctor_report(d, "FAIL",
			      "%s is %s mode %04o: sudo and visudo -c want a root-owned 0440 file "
			      "(install -m 0440 conf/sudoers.d/iam-login %s/)",
			      path, st.st_uid == 0 ? "root's," : "not root's,",
			      (unsigned)(st.st_mode & 07777), d->sudoers_dir);
	else
		doctor_report(d, "ok", "sudoers drop-in %s is root 0440", path);
}
