/* iam-login users: the IAM users straight from IAM, as a sync would read them. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "listing.h"

static const char USERS_HELP[] =
    "Usage: iam-login [--config FILE] users [--json] [--source gaad|list] [--page-size N]\n"
    "\n"
    "List the IAM users of the account straight from IAM: no snapshot, no mapping\n"
    "of names or ids to Linux. This is the raw material of 'iam-login sync'; use\n"
    "'iam-login status' and 'getent passwd' for what the host actually serves.\n"
    "\n"
    "Options:\n"
    "  --json           print one JSON document instead of a table:\n"
    "                   {\"users\": [{\"name\", \"id\", \"arn\", \"path\", \"created\",\n"
    "                   \"created_unix\", \"groups\": [...], \"tags\": {key: value}}]}\n"
    "  --source gaad    read users, groups, memberships and tags with\n"
    "                   GetAccountAuthorizationDetails (the default)\n"
    "  --source list    read with ListUsers, ListGroups and GetGroup per group\n"
    "                   (for a policy without GetAccountAuthorizationDetails;\n"
    "                   tags are not read then)\n"
    "  --page-size N    items per IAM page, 1 to 1000 (default: [aws] page_size)\n"
    "  -h, --help       this text\n"
    "\n"
    "Output:\n"
    "  A table sorted by name: NAME, USER ID (the immutable IAM UserId, from which\n"
    "  uids derive), CREATED (UTC), GROUPS (IAM group names) and ARN.\n"
    "\n"
    "Credentials and endpoints come from the configuration file ([aws] section).\n"
    "Every page of the listing must arrive and parse, or nothing is printed.\n"
    "\n"
    "Exit status:\n"
    "  0  listed\n"
    "  1  IAM or network error; the AWS error code and message are on stderr\n"
    "     (AccessDenied: the host policy lacks the action named)\n"
    "  2  usage error\n"
    "\n"
    "IAM permissions: iam:GetAccountAuthorizationDetails, or with --source list\n"
    "iam:ListUsers, iam:ListGroups and iam:GetGroup (all in conf/iam-policy.json).\n";

static const struct iam_directory *sort_dir;

static int by_name(const void *a, const void *b)
{
	return strcasecmp(sort_dir->users[*(const size_t *)a].name,
			  sort_dir->users[*(const size_t *)b].name);
}

static json_t *user_json(const struct iam_user *u)
{
	json_t *o = json_object(), *groups = json_array(), *tags = json_object();
	char created[32];
	size_t i;

	if (!o || !groups || !tags)
		goto fail;
	for (i = 0; i < u->ngroups; i++)
		if (json_array_append_new(groups, json_string(u->groups[i])) < 0)
			goto fail;
	for (i = 0; i < u->ntags; i++)
		if (json_object_set_new(tags, u->tags[i].key, json_string(u->tags[i].value)) < 0)
			goto fail;
	if (json_object_set_new(o, "name", json_string(u->name)) < 0 ||
	    json_object_set_new(o, "id", json_string(u->id)) < 0 ||
	    json_object_set_new(o, "arn", json_string(u->arn)) < 0 ||
	    json_object_set_new(o, "path", json_string(u->path)) < 0 ||
	    json_object_set_new(o, "created",
				json_string(listing_time(u->created, created, sizeof(created)))) <
		0 ||
	    json_object_set_new(o, "created_unix", json_integer((json_int_t)u->created)) < 0)
		goto fail;
	json_object_set_new(o, "groups", groups);
	json_object_set_new(o, "tags", tags);
	return o;
fail:
	json_decref(o);
	json_decref(groups);
	json_decref(tags);
	return NULL;
}

static int print_json(const struct iam_directory *d, const size_t *order)
{
	json_t *root = json_object(), *users = json_array();
	size_t i;
	int rc = 1;

	if (!root || !users)
		goto out;
	for (i = 0; i < d->nusers; i++) {
		json_t *u = user_json(&d->users[order[i]]);
		if (!u || json_array_append_new(users, u) < 0)
			goto out;
	}
	if (json_object_set(root, "users", users) < 0)
		goto out;
	if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
	    fputc('\n', stdout) != EOF)
		rc = 0;
out:
	json_decref(users);
	json_decref(root);
	if (rc)
		fprintf(stderr, "iam-login users: could not write JSON\n");
	return rc;
}

/* Width of the GROUPS column text of u: names joined by commas, or "-". */
static int groups_width(const struct iam_user *u)
{
	size_t j, w = 0;

	for (j = 0; j < u->ngroups; j++)
		w += strlen(u->groups[j]) + (j ? 1 : 0);
	return u->ngroups ? (int)w : 1;
}

static void print_table(const struct iam_directory *d, const size_t *order)
{
	int wname = 4, wid = 7, wgroups = 6;
	char created[32];
	size_t i, j;

	for (i = 0; i < d->nusers; i++) {
		if ((int)strlen(d->users[i].name) > wname)
			wname = (int)strlen(d->users[i].name);
		if ((int)strlen(d->users[i].id) > wid)
			wid = (int)strlen(d->users[i].id);
		if (groups_width(&d->users[i]) > wgroups)
			wgroups = groups_width(&d->users[i]);
	}
	printf("%-*s  %-*s  %-20s  %-*s  %s\n", wname, "NAME", wid, "USER ID", "CREATED", wgroups,
	       "GROUPS", "ARN");
	for (i = 0; i < d->nusers; i++) {
		const struct iam_user *u = &d->users[order[i]];
		printf("%-*s  %-*s  %-20s  ", wname, u->name, wid, u->id,
		       listing_time(u->created, created, sizeof(created)));
		if (u->ngroups == 0)
			printf("-");
		for (j = 0; j < u->ngroups; j++)
			printf("%s%s", j ? "," : "", u->groups[j]);
		printf("%*s  %s\n", wgroups - groups_width(u), "", u->arn);
	}
}

int cmd_users(int argc, char **argv, const struct cli_ctx *ctx)
{
	struct listing_opts o;
	struct iam_directory d;
	size_t *order, i;
	int rc;

	rc = listing_parse(argc, argv, USERS_HELP, &o);
	if (rc >= 0)
		return rc;
	if (listing_fetch(ctx, "users", &o, &d))
		return 1;
	order = calloc(d.nusers ? d.nusers : 1, sizeof(*order));
	if (!order) {
		iam_directory_free(&d);
		fprintf(stderr, "iam-login users: out of memory\n");
		return 1;
	}
	for (i = 0; i < d.nusers; i++)
		order[i] = i;
	sort_dir = &d;
	qsort(order, d.nusers, sizeof(*order), by_name);
	sort_dir = NULL;
	rc = 0;
	if (o.json)
		rc = print_json(&d, order);
	else
		print_table(&d, order);
	if (fflush(stdout) != 0)
		rc = 1;
	free(order);
	iam_directory_free(&d);
	return rc;
}
