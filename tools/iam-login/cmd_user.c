/* iam-login user NAME: what this host believes about one user, and who it is in IAM. */
#include "cli_snap.h"
#include "commands.h"
#include "config/config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void user_help(FILE *f)
{
	fprintf(f,
		"Usage: iam-login user [--json] NAME|UID\n"
		"\n"
		"Show what this host believes about one IAM-backed user, from the snapshot\n"
		"(no IAM call): its passwd entry, whether getpwnam() on this host returns the\n"
		"same (nsswitch.conf order, a missing \"iam\"), the primary and supplementary\n"
		"groups, and the IAM identity behind it (IAM user name, immutable UserId, ARN).\n"
		"NAME is the Linux name, the IAM user name, or a uid. When the IAM user was\n"
		"excluded (name collision, local account, invalid name or id) the reason is\n"
		"shown instead.\n"
		"\n"
		"Options:\n"
		"  --json      the same as one JSON object\n"
		"  -h, --help  this text\n"
		"\n"
		"Exit status: 0 found; 1 not in the snapshot (or excluded) or no snapshot;\n"
		"2 usage.\n");
}

/* By Linux name, then uid, then IAM name (case-insensitive, as IAM compares names). */
static int find_user(const struct snap *s, const char *arg, struct snap_user *u)
{
	struct snap_info info;
	uint32_t uid;

	if (snap_user_by_name(s, arg, u) == 0)
		return 0;
	if (cli_parse_id(arg, &uid) && snap_user_by_uid(s, uid, u) == 0)
		return 0;
	snap_get_info(s, &info);
	for (uint32_t i = 0; i < info.nusers; i++)
		if (snap_user_at(s, i, u) == 0 && u->iam_name && strcasecmp(u->iam_name, arg) == 0)
			return 0;
	return -ENOENT;
}

/*
 * What this host's NSS answers for the name (nsswitch.conf order: a local account or
 * another module may answer first, or "iam" may be missing). Into buf, or NULL.
 */
static const char *nss_passwd(const char *name, char *buf, size_t n)
{
	struct passwd pw, *res = NULL;
	char tmp[4096];

	if (getpwnam_r(name, &pw, tmp, sizeof(tmp), &res) != 0 || !res)
		return NULL;
	snprintf(buf, n, "%s:%s:%u:%u:%s:%s:%s", pw.pw_name, pw.pw_passwd, (unsigned)pw.pw_uid,
		 (unsigned)pw.pw_gid, pw.pw_gecos, pw.pw_dir, pw.pw_shell);
	return buf;
}

static void print_user(const struct snap *s, const struct snap_user *u, bool as_json)
{
	char snap_line[1024], nss_line[1024], clean[1024];
	const char *nss;
	struct snap_group primary, g;
	bool have_primary = snap_group_by_gid(s, u->gid, &primary) == 0;
	json_t *o, *groups;

	snprintf(snap_line, sizeof(snap_line), "%s:*:%u:%u:%s:%s:%s", u->name, u->uid, u->gid,
		 u->gecos, u->home, u->shell);
	nss = nss_passwd(u->name, nss_line, sizeof(nss_line));
	if (!as_json) {
		printf("passwd:    %s\n", cli_clean(snap_line, clean, sizeof(clean)));
		if (!nss)
			printf("NSS:       not resolved here: is \"iam\" on the passwd line of "
			       "/etc/nsswitch.conf?\n");
		else if (strcmp(nss, snap_line) != 0)
			printf("NSS:       DIFFERS: %s\n", cli_clean(nss, clean, sizeof(clean)));
		else
			printf("NSS:       same entry through getpwnam()\n");
		printf("groups:    %s(%u)", have_primary ? primary.name : "?", u->gid);
		for (uint32_t i = 0; i < u->ngroups; i++)
			if (snap_user_group_at(s, u, i, &g) == 0)
				printf(" %s(%u)", g.name, g.gid);
		printf("\nIAM user:  %s\nIAM id:    %s\nIAM ARN:   %s\n", u->iam_name, u->iam_id,
		       u->iam_arn);
		for (uint32_t i = 0; i < u->ngroups; i++)
			if (snap_user_group_at(s, u, i, &g) == 0 && g.iam_name)
				printf("IAM group: %s (as %s)\n", g.iam_name, g.name);
		return;
	}
	groups = json_array();
	for (uint32_t i = 0; i < u->ngroups; i++)
		if (snap_user_group_at(s, u, i, &g) == 0)
			json_array_append_new(groups,
					      json_pack("{s:s, s:I, s:s}", "name", g.name, "gid",
							(json_int_t)g.gid, "iam_name",
							g.iam_name ? g.iam_name : ""));
	o = json_pack("{s:s, s:s?, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
		      "passwd", snap_line, "nss_passwd", nss, "name", u->name, "uid",
		      (json_int_t)u->uid, "gid", (json_int_t)u->gid, "primary_group",
		      have_primary ? primary.name : "", "gecos", u->gecos, "home", u->home, "shell",
		      u->shell, "iam_name", u->iam_name, "iam_id", u->iam_id, "iam_arn", u->iam_arn,
		      "groups", groups);
	cli_print_json(o);
}

static int show_user(const struct snap *s, const char *arg, bool as_json)
{
	struct snap_user u;

	if (find_user(s, arg, &u) < 0)
		return -ENOENT;
	print_user(s, &u, as_json);
	return 0;
}

int cmd_user(int argc, char **argv, const struct cli_ctx *ctx)
{
	return cli_show_one(argc, argv, ctx, "user", user_help, show_user);
}
