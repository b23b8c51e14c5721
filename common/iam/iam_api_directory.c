/*
 * Users, groups and memberships: GetAccountAuthorizationDetails (one paged
 * call with everything) or ListUsers + ListGroups + GetGroup per group. The
 * result is complete or the call fails.
 */
#include "iam/iam_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct dir_acc {
	struct iam_user_list users;
	struct iam_group_list groups;
};

static int gaad_page(const char *body, size_t len, void *ctx, struct iam_page *pg,
		     struct aws_error *err)
{
	struct dir_acc *a = ctx;

	return iam_parse_gaad_page(body, len, &a->users, &a->groups, pg, err);
}

static int users_page(const char *body, size_t len, void *ctx, struct iam_page *pg,
		      struct aws_error *err)
{
	return iam_parse_list_users_page(body, len, ctx, pg, err);
}

static int groups_page(const char *body, size_t len, void *ctx, struct iam_page *pg,
		       struct aws_error *err)
{
	return iam_parse_list_groups_page(body, len, ctx, pg, err);
}

struct get_group_acc {
	struct iam_group group;
	struct iam_name_list members;
};

static int get_group_page(const char *body, size_t len, void *ctx, struct iam_page *pg,
			  struct aws_error *err)
{
	struct get_group_acc *a = ctx;

	return iam_parse_get_group_page(body, len, &a->group, &a->members, pg, err);
}

int iam_get_account_authorization_details(struct aws_client *c, unsigned page_size,
					  struct iam_directory *out, struct aws_error *err)
{
	static const char *const params[] = {"Action",
					     "GetAccountAuthorizationDetails",
					     "Version",
					     IAM_API_VERSION,
					     "Filter.member.1",
					     "User",
					     "Filter.member.2",
					     "Group",
					     NULL};
	struct dir_acc a;
	unsigned calls = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	rc = iam_paged_call(c, params, page_size, gaad_page, &a, &calls, err);
	if (rc == 0)
		rc = iam_check_unique_users(a.users.v, a.users.n, err);
	if (rc == 0)
		rc = iam_check_unique_groups(a.groups.v, a.groups.n, err);
	if (rc < 0) {
		iam_user_list_free(&a.users);
		iam_group_list_free(&a.groups);
		return rc;
	}
	out->users = a.users.v;
	out->nusers = a.users.n;
	out->groups = a.groups.v;
	out->ngroups = a.groups.n;
	out->calls = calls;
	return 0;
}

static int list_users_counted(struct aws_client *c, unsigned page_size, struct iam_user_list *l,
			      unsigned *calls, struct aws_error *err)
{
	static const char *const params[] = {"Action", "ListUsers", "Version", IAM_API_VERSION,
					     NULL};
	int rc;

	rc = iam_paged_call(c, params, page_size, users_page, l, calls, err);
	if (rc == 0)
		rc = iam_check_unique_users(l->v, l->n, err);
	if (rc < 0)
		iam_user_list_free(l);
	return rc;
}

static int list_groups_counted(struct aws_client *c, unsigned page_size, struct iam_group_list *l,
			       unsigned *calls, struct aws_error *err)
{
	static const char *const params[] = {"Action", "ListGroups", "Version", IAM_API_VERSION,
					     NULL};
	int rc;

	rc = iam_paged_call(c, params, page_size, groups_page, l, calls, err);
	if (rc == 0)
		rc = iam_check_unique_groups(l->v, l->n, err);
	if (rc < 0)
		iam_group_list_free(l);
	return rc;
}

int iam_list_users(struct aws_client *c, unsigned page_size, struct iam_user **users, size_t *n,
		   struct aws_error *err)
{
	struct iam_user_list l = {0};
	int rc;

	*users = NULL;
	*n = 0;
	rc = list_users_counted(c, page_size, &l, NULL, err);
	if (rc < 0)
		return rc;
	*users = l.v;
	*n = l.n;
	return 0;
}

int iam_list_groups(struct aws_client *c, unsigned page_size, struct iam_group **groups, size_t *n,
		    struct aws_error *err)
{
	struct iam_group_list l = {0};
	int rc;

	*groups = NULL;
	*n = 0;
	rc = list_groups_counted(c, page_size, &l, NULL, err);
	if (rc < 0)
		return rc;
	*groups = l.v;
	*n = l.n;
	return 0;
}

static int get_group_counted(struct aws_client *c, const char *group, unsigned page_size,
			     struct get_group_acc *a, unsigned *calls, struct aws_error *err)
{
	const char *params[] = {"Action",    "GetGroup", "Version", IAM_API_VERSION,
				"GroupName", group,	 NULL};
	int rc;

	memset(a, 0, sizeof(*a));
	if (!iam_valid_group_name(group))
		return iam_bad_arg(err, "group name");
	rc = iam_paged_call(c, params, page_size, get_group_page, a, calls, err);
	if (rc == 0 && strcasecmp(a->group.name, group) != 0)
		rc = iam_bad(err, "GetGroup: answer is about another group");
	if (rc == 0)
		rc = iam_check_unique_names(a->members.v, a->members.n, "group member", err);
	if (rc < 0) {
		iam_group_free(&a->group);
		iam_name_list_free(&a->members);
	}
	return rc;
}

int iam_get_group(struct aws_client *c, const char *group, unsigned page_size,
		  struct iam_group *out, char ***members, size_t *nmembers, struct aws_error *err)
{
	struct get_group_acc a;
	int rc;

	memset(out, 0, sizeof(*out));
	*members = NULL;
	*nmembers = 0;
	rc = get_group_counted(c, group, page_size, &a, NULL, err);
	if (rc < 0)
		return rc;
	*out = a.group;
	*members = a.members.v;
	*nmembers = a.members.n;
	return 0;
}

struct user_ref {
	const char *name;
	struct iam_user *u;
};

static int cmp_user_ref(const void *a, const void *b)
{
	return strcmp(((const struct user_ref *)a)->name, ((const struct user_ref *)b)->name);
}

/* Record group as a membership of each member that is in the user list. A member
 * missing from it was created after ListUsers ran: it is not in this directory. */
static int add_memberships(struct user_ref *idx, size_t nusers, const char *group,
			   char *const *members, size_t nmembers, struct aws_error *err)
{
	size_t i;

	for (i = 0; i < nmembers; i++) {
		struct user_ref key = {.name = members[i]};
		struct user_ref *r = bsearch(&key, idx, nusers, sizeof(*idx), cmp_user_ref);
		char **g;

		if (!r)
			continue;
		if (r->u->ngroups >= IAM_GROUPS_PER_USER_MAX)
			return iam_bad(err, "user %.64s is in more groups than IAM allows",
				       r->u->name);
		g = reallocarray(r->u->groups, r->u->ngroups + 1, sizeof(*g));
		if (!g)
			return -ENOMEM;
		r->u->groups = g;
		g[r->u->ngroups] = strdup(group);
		if (!g[r->u->ngroups])
			return -ENOMEM;
		r->u->ngroups++;
	}
	return 0;
}

int iam_list_directory(struct aws_client *c, unsigned page_size, struct iam_directory *out,
		       struct aws_error *err)
{
	struct iam_user_list users = {0};
	struct iam_group_list groups = {0};
	struct user_ref *idx = NULL;
	unsigned calls = 0;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = list_users_counted(c, page_size, &users, &calls, err);
	if (rc < 0)
		return rc;
	rc = list_groups_counted(c, page_size, &groups, &calls, err);
	if (rc < 0)
		goto fail;
	if (users.n) {
		idx = calloc(users.n, sizeof(*idx));
		if (!idx) {
			rc = -ENOMEM;
			goto fail;
		}
		for (i = 0; i < users.n; i++) {
			idx[i].name = users.v[i].name;
			idx[i].u = &users.v[i];
		}
		qsort(idx, users.n, sizeof(*idx), cmp_user_ref);
	}
	for (i = 0; i < groups.n; i++) {
		struct get_group_acc a;
		rc = get_group_counted(c, groups.v[i].name, page_size, &a, &calls, err);
		if (rc < 0)
			goto fail;
		if (strcmp(a.group.id, groups.v[i].id) != 0)
			rc = iam_bad(err, "group %.128s changed its id while listing",
				     groups.v[i].name);
		if (rc == 0)
			rc = add_memberships(idx, users.n, groups.v[i].name, a.members.v,
					     a.members.n, err);
		iam_group_free(&a.group);
		iam_name_list_free(&a.members);
		if (rc < 0)
			goto fail;
	}
	free(idx);
	out->users = users.v;
	out->nusers = users.n;
	out->groups = groups.v;
	out->ngroups = groups.n;
	out->calls = calls;
	return 0;
fail:
	free(idx);
	iam_user_list_free(&users);
	iam_group_list_free(&groups);
	return rc;
}

static int get_user_page(const char *body, size_t len, void *ctx, struct iam_page *pg,
			 struct aws_error *err)
{
	struct iam_user *u = ctx;

	pg->truncated = false;
	pg->marker = NULL;
	if (u->name)
		return iam_bad(err, "GetUser: answered twice");
	return iam_parse_get_user(body, len, u, err);
}

int iam_get_user(struct aws_client *c, const char *user, struct iam_user *out,
		 struct aws_error *err)
{
	const char *params[] = {"Action",   "GetUser", "Version", IAM_API_VERSION,
				"UserName", user,      NULL};
	int rc;

	memset(out, 0, sizeof(*out));
	if (!iam_valid_user_name(user))
		return iam_bad_arg(err, "user name");
	rc = iam_paged_call(c, params, 0, get_user_page, out, NULL, err);
	if (rc == 0 && strcasecmp(out->name, user) != 0)
		rc = iam_bad(err, "GetUser: answer is about another user");
	if (rc < 0)
		iam_user_free(out);
	return rc;
}
