/* iam-login groups: the IAM groups and their members straight from IAM. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "listing.h"

static const char GROUPS_HELP[] =
    "Usage: iam-login [--config FILE] groups [--json] [--source gaad|list] [--page-size N]\n"
    "\n"
    "List the IAM groups of the account and their members straight from IAM: no\n"
    "snapshot, no group prefix, no mapping to Linux. Use 'iam-login group NAME'\n"
    "and 'getent group' for what the host actually serves.\n"
    "\n"
    "Options:\n"
    "  --json           print one JSON document instead of a table:\n"
    "                   {\"groups\": [{\"name\", \"id\", \"arn\", \"path\", \"created\",\n"
    "                   \"created_unix\", \"members\": [user names]}]}\n"
    "  --source gaad    read with GetAccountAuthorizationDetails (the default)\n"
    "  --source list    read with ListUsers, ListGroups and GetGroup per group\n"
    "  --page-size N    items per IAM page, 1 to 1000 (default: [aws] page_size)\n"
    "  -h, --help       this text\n"
    "\n"
    "Output:\n"
    "  A table sorted by name: NAME, GROUP ID (the immutable IAM GroupId, from\n"
    "  which gids derive), CREATED (UTC), MEMBERS (how many) and the member\n"
    "  user names, sorted.\n"
    "\n"
    "Every page of the listing must arrive and parse, or nothing is printed.\n"
    "\n"
    "Exit status:\n"
    "  0  listed\n"
    "  1  IAM or network error; the AWS error code and message are on stderr\n"
    "  2  usage error\n"
    "\n"
    "IAM permissions: iam:GetAccountAuthorizationDetails, or with --source list\n"
    "iam:ListUsers, iam:ListGroups and iam:GetGroup (all in conf/iam-policy.json).\n";

static const struct iam_directory *sort_dir;

static int group_by_name(const void *a, const void *b)
{
	return strcasecmp(sort_dir->groups[*(const size_t *)a].name,
			  sort_dir->groups[*(const size_t *)b].name);
}

static int user_by_name(const void *a, const void *b)
{
	return strcasecmp(sort_dir->users[*(const size_t *)a].name,
			  sort_dir->users[*(const size_t *)b].name);
}

/* Sorted member indexes of one group, or NULL when out of memory. */
static size_t *members_of(const struct iam_directory *d, const char *group, size_t *n)
{
	size_t *m = listing_members(d, group, n);

	if (m)
		qsort(m, *n, sizeof(*m), user_by_name);
	return m;
}

static json_t *group_json(const struct iam_directory *d, const struct iam_group *g)
{
	json_t *o = json_object(), *members = json_array();
	char created[32];
	size_t *m = NULL, n = 0, i;

	if (!o || !members || !(m = members_of(d, g->name, &n)))
		goto fail;
	for (i = 0; i < n; i++)
		if (json_array_append_new(members, json_string(d->users[m[i]].name)) < 0)
			goto fail;
	if (json_object_set_new(o, "name", json_string(g->name)) < 0 ||
	    json_object_set_new(o, "id", json_string(g->id)) < 0 ||
	    json_object_set_new(o, "arn", json_string(g->arn)) < 0 ||
	    json_object_set_new(o, "path", json_string(g->path)) < 0 ||
	    json_object_set_new(o, "created",
				json_string(listing_time(g->created, created, sizeof(created)))) <
		0 ||
	    json_object_set_new(o, "created_unix", json_integer((json_int_t)g->created)) < 0)
		goto fail;
	free(m);
	json_object_set_new(o, "members", members);
	return o;
fail:
	free(m);
	json_decref(o);
	json_decref(members);
	return NULL;
}

static int print_json(const struct iam_directory *d, const size_t *order)
{
	json_t *root = json_object(), *groups = json_array();
	size_t i;
	int rc = 1;

	if (!root || !groups)
		goto out;
	for (i = 0; i < d->ngroups; i++) {
		json_t *g = group_json(d, &d->groups[order[i]]);
		if (!g || json_array_append_new(groups, g) < 0)
			goto out;
	}
	if (json_object_set(root, "groups", groups) < 0)
		goto out;
	if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
	    fputc('\n', stdout) != EOF)
		rc = 0;
out:
	json_decref(groups);
	json_decref(root);
	if (rc)
		fprintf(stderr, "iam-login groups: could not write JSON\n");
	return rc;
}

static int print_table(const struct iam_directory *d, const size_t *order)
{
	int wname = 4, wid = 8;
	char created[32];
	size_t i, j, n, *m;

	for (i = 0; i < d->ngroups; i++) {
		if ((int)strlen(d->groups[i].name) > wname)
			wname = (int)strlen(d->groups[i].name);
		if ((int)strlen(d->groups[i].id) > wid)
			wid = (int)strlen(d->groups[i].id);
	}
	printf("%-*s  %-*s  %-20s  %7s  %s\n", wname, "NAME", wid, "GROUP ID", "CREATED", "MEMBERS",
	       "USERS");
	for (i = 0; i < d->ngroups; i++) {
		const struct iam_group *g = &d->groups[order[i]];
		m = members_of(d, g->name, &n);
		if (!m) {
			fprintf(stderr, "iam-login groups: out of memory\n");
			return 1;
		}
		printf("%-*s  %-*s  %-20s  %7zu  ", wname, g->name, wid, g->id,
		       listing_time(g->created, created, sizeof(created)), n);
		if (n == 0)
			printf("-");
		for (j = 0; j < n; j++)
			printf("%s%s", j ? "," : "", d->users[m[j]].name);
		printf("\n");
		free(m);
	}
	return 0;
}

int cmd_groups(int argc, char **argv, const struct cli_ctx *ctx)
{
	struct listing_opts o;
	struct iam_directory d;
	size_t *order, i;
	int rc;

	rc = listing_parse(argc, argv, GROUPS_HELP, &o);
	if (rc >= 0)
		return rc;
	if (listing_fetch(ctx, "groups", &o, &d))
		return 1;
	order = calloc(d.ngroups ? d.ngroups : 1, sizeof(*order));
	if (!order) {
		iam_directory_free(&d);
		fprintf(stderr, "iam-login groups: out of memory\n");
		return 1;
	}
	for (i = 0; i < d.ngroups; i++)
		order[i] = i;
	sort_dir = &d;
	qsort(order, d.ngroups, sizeof(*order), group_by_name);
	rc = o.json ? print_json(&d, order) : print_table(&d, order);
	sort_dir = NULL;
	if (fflush(stdout) != 0)
		rc = 1;
	free(order);
	iam_directory_free(&d);
	return rc;
}
