/* iam-login group NAME: what this host believes about one group, and its IAM group. */
#include "cli_snap.h"
#include "commands.h"
#include "config/config.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void group_help(FILE *f)
{
	fprintf(f,
		"Usage: iam-login group [--json] NAME|GID\n"
		"\n"
		"Show what this host believes about one IAM-backed group, from the snapshot\n"
		"(no IAM call): the group entry NSS returns with its members, and the IAM group\n"
		"behind it (name, immutable GroupId, ARN), or for a user private group the IAM\n"
		"user it belongs to. NAME is the Linux name, the IAM group name, or a gid.\n"
		"When the IAM group was excluded the reason is shown instead.\n"
		"\n"
		"Options:\n"
		"  --json      the same as one JSON object\n"
		"  -h, --help  this text\n"
		"\n"
		"Exit status: 0 found; 1 not in the snapshot (or excluded) or no snapshot;\n"
		"2 usage.\n");
}

static int find_group(const struct snap *s, const char *arg, struct snap_group *g)
{
	struct snap_info info;
	uint32_t gid;

	if (snap_group_by_name(s, arg, g) == 0)
		return 0;
	if (cli_parse_id(arg, &gid) && snap_group_by_gid(s, gid, g) == 0)
		return 0;
	snap_get_info(s, &info);
	for (uint32_t i = 0; i < info.ngroups; i++)
		if (snap_group_at(s, i, g) == 0 && !g->user_private && g->iam_name &&
		    strcasecmp(g->iam_name, arg) == 0)
			return 0;
	return -ENOENT;
}

/* What getgrnam() answers here (a merged group shows local + IAM members). Or NULL. */
static const char *nss_group(const char *name, char *buf, size_t n)
{
	struct group gr, *res = NULL;
	char tmp[16384];
	size_t used;

	if (getgrnam_r(name, &gr, tmp, sizeof(tmp), &res) != 0 || !res)
		return NULL;
	used = (size_t)snprintf(buf, n, "%s:%s:%u:", gr.gr_name, gr.gr_passwd, (unsigned)gr.gr_gid);
	for (char **m = gr.gr_mem; m && *m && used < n; m++)
		used +=
		    (size_t)snprintf(buf + used, n - used, "%s%s", m == gr.gr_mem ? "" : ",", *m);
	return buf;
}

static void print_group(const struct snap *s, const struct snap_group *g, bool as_json)
{
	char nss_line[4096], clean[4096];
	const char *nss = nss_group(g->name, nss_line, sizeof(nss_line));
	struct snap_user m;
	json_t *o, *members = json_array();

	for (uint32_t i = 0; i < g->nmembers; i++)
		if (snap_group_member_at(s, g, i, &m) == 0)
			json_array_append_new(members, json_string(m.name));
	if (!as_json) {
		size_t i;
		json_t *x;

		printf("group:     %s:*:%u:", g->name, g->gid);
		json_array_foreach(members, i, x)
		{
			printf("%s%s", i ? "," : "", json_string_value(x));
		}
		printf(
		    "\nNSS:       %s\n",
		    nss ? cli_clean(nss, clean, sizeof(clean))
			: "not resolved here: is \"iam\" on the group line of /etc/nsswitch.conf?");
		if (g->user_private)
			printf("private group of IAM user %s\nIAM id:    %s\nIAM ARN:   %s\n",
			       g->iam_name, g->iam_id, g->iam_arn);
		else
			printf("IAM group: %s\nIAM id:    %s\nIAM ARN:   %s\n", g->iam_name,
			       g->iam_id, g->iam_arn);
		json_decref(members);
		return;
	}
	o = json_pack("{s:s?, s:s, s:I, s:b, s:s, s:s, s:s, s:o}", "nss_group", nss, "name",
		      g->name, "gid", (json_int_t)g->gid, "user_private", g->user_private,
		      "iam_name", g->iam_name ? g->iam_name : "", "iam_id",
		      g->iam_id ? g->iam_id : "", "iam_arn", g->iam_arn ? g->iam_arn : "",
		      "members", members);
	cli_print_json(o);
}

static int show_group(const struct snap *s, const char *arg, bool as_json)
{
	struct snap_group g;

	if (find_group(s, arg, &g) < 0)
		return -ENOENT;
	print_group(s, &g, as_json);
	return 0;
}

int cmd_group(int argc, char **argv, const struct cli_ctx *ctx)
{
	return cli_show_one(argc, argv, ctx, "group", group_help, show_group);
}
