/*
 * IAM answers to structs: the shared building blocks and the directory pages
 * (ListUsers, ListGroups, GetGroup, GetUser, GetAccountAuthorizationDetails).
 * A required element that is missing, doubled, nested wrongly or fails
 * validation makes the whole page an error.
 */
#include "iam/iam_parse.h"
#include "base/iam_id.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/xml.h"

int iam_open_result(const char *body, size_t len, const char *action, struct xml_node **tree,
		    const struct xml_node **result, struct aws_error *err)
{
	char name[96];
	struct iam_err xerr;
	const struct xml_node *res = NULL;
	size_t i;
	int rc;

	*tree = NULL;
	*result = NULL;
	rc = xml_parse(body, len, NULL, tree, &xerr);
	if (rc < 0) {
		iam_bad(err, "%s: %s", action, xerr.msg);
		return rc == -ENOMEM ? rc : rc == -E2BIG ? -E2BIG : -EBADMSG;
	}
	snprintf(name, sizeof(name), "%sResponse", action);
	if (strcmp((*tree)->name, name) != 0) {
		rc = iam_bad(err, "%s: answer is <%.40s>, expected <%s>", action, (*tree)->name,
			     name);
		goto fail;
	}
	snprintf(name, sizeof(name), "%sResult", action);
	for (i = 0; i < (*tree)->nchildren; i++) {
		if (strcmp((*tree)->children[i]->name, name) != 0)
			continue;
		if (res) {
			rc = iam_bad(err, "%s: two <%s> elements", action, name);
			goto fail;
		}
		res = (*tree)->children[i];
	}
	if (!res) {
		rc = iam_bad(err, "%s: no <%s> in the answer", action, name);
		goto fail;
	}
	*result = res;
	return 0;
fail:
	xml_free(*tree);
	*tree = NULL;
	return rc;
}

int iam_child(const struct xml_node *parent, const char *name, bool required,
	      const struct xml_node **out, struct aws_error *err, const char *where)
{
	const struct xml_node *found = NULL;
	size_t i;

	*out = NULL;
	for (i = 0; i < parent->nchildren; i++) {
		if (strcmp(parent->children[i]->name, name) != 0)
			continue;
		if (found)
			return iam_bad(err, "%s: <%s> appears twice", where, name);
		found = parent->children[i];
	}
	if (!found && required)
		return iam_bad(err, "%s: <%s> missing", where, name);
	*out = found;
	return 0;
}

int iam_leaf(const struct xml_node *item, const char *name, const struct xml_node **out,
	     struct aws_error *err, const char *where)
{
	const struct xml_node *found;
	int rc;

	*out = NULL;
	rc = iam_child(item, name, false, &found, err, where);
	if (rc < 0 || !found)
		return rc;
	if (found->nchildren)
		return iam_bad(err, "%s: <%s> has nested elements", where, name);
	/* expat never yields NUL, but the length is what bounds everything below. */
	if (strlen(found->text) != found->text_len)
		return iam_bad(err, "%s: <%s> contains a NUL byte", where, name);
	*out = found;
	return 0;
}

int iam_take_str(const struct xml_node *item, const char *name, iam_check_fn ok, bool required,
		 char **out, struct aws_error *err, const char *where)
{
	const struct xml_node *leaf;
	int rc;

	*out = NULL;
	rc = iam_leaf(item, name, &leaf, err, where);
	if (rc < 0)
		return rc;
	if (!leaf)
		return required ? iam_bad(err, "%s: <%s> missing", where, name) : 0;
	if (ok && !ok(leaf->text))
		return iam_bad(err, "%s: <%s> has an invalid value", where, name);
	*out = strdup(leaf->text);
	return *out ? 0 : -ENOMEM;
}

int iam_take_date(const struct xml_node *item, const char *name, bool required, time_t *out,
		  struct aws_error *err, const char *where)
{
	const struct xml_node *leaf;
	int rc;

	*out = 0;
	rc = iam_leaf(item, name, &leaf, err, where);
	if (rc < 0)
		return rc;
	if (!leaf)
		return required ? iam_bad(err, "%s: <%s> missing", where, name) : 0;
	if (iam_parse_date(leaf->text, out) < 0)
		return iam_bad(err, "%s: <%s> is not an ISO 8601 UTC time", where, name);
	return 0;
}

int iam_list_items(const struct xml_node *parent, const char *list, bool required,
		   struct xml_node *const **items, size_t *n, struct aws_error *err,
		   const char *where)
{
	const struct xml_node *l;
	size_t i;
	int rc;

	*items = NULL;
	*n = 0;
	rc = iam_child(parent, list, required, &l, err, where);
	if (rc < 0 || !l)
		return rc;
	for (i = 0; i < l->nchildren; i++)
		if (strcmp(l->children[i]->name, "member") != 0)
			return iam_bad(err, "%s: <%s> holds <%.40s> instead of <member>", where,
				       list, l->children[i]->name);
	*items = l->children;
	*n = l->nchildren;
	return 0;
}

static bool valid_marker(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (n >= IAM_MARKER_MAX || (unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
			return false;
	return n > 0;
}

int iam_take_page(const struct xml_node *result, struct iam_page *pg, struct aws_error *err,
		  const char *where)
{
	const struct xml_node *t;
	int rc;

	pg->truncated = false;
	pg->marker = NULL;
	rc = iam_leaf(result, "IsTruncated", &t, err, where);
	if (rc < 0)
		return rc;
	if (t) {
		if (strcmp(t->text, "true") == 0)
			pg->truncated = true;
		else if (strcmp(t->text, "false") != 0)
			return iam_bad(err, "%s: <IsTruncated> is neither true nor false", where);
	}
	return iam_take_str(result, "Marker", valid_marker, false, &pg->marker, err, where);
}

int iam_grow(void **v, size_t *cap, size_t n, size_t elem, struct aws_error *err)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	if (n >= IAM_MAX_ITEMS) {
		iam_bad(err, "more than %u items in one answer", IAM_MAX_ITEMS);
		return -E2BIG;
	}
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > IAM_MAX_ITEMS)
		ncap = IAM_MAX_ITEMS;
	nv = reallocarray(*v, ncap, elem);
	if (!nv)
		return -ENOMEM;
	memset((char *)nv + *cap * elem, 0, (ncap - *cap) * elem);
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Path: /, or /a/b/ with printable ASCII between, up to 512 characters. */
static bool valid_path(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (n >= IAM_PATH_MAX || (unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e)
			return false;
	return n > 0 && s[0] == '/' && s[n - 1] == '/';
}

static bool valid_arn_text(const char *s, const char *kind)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (n >= IAM_ARN_MAX || (unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e)
			return false;
	return n >= 20 && strncmp(s, "arn:", 4) == 0 && strstr(s, kind) != NULL;
}

static bool valid_user_arn(const char *s)
{
	return valid_arn_text(s, ":user/");
}

static bool valid_group_arn(const char *s)
{
	return valid_arn_text(s, ":group/");
}

/* Tag text: UTF-8 without control characters, at most max characters. */
static bool valid_tag_text(const char *s, size_t max, bool allow_empty)
{
	size_t chars = 0;
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if ((*p & 0xc0) != 0x80)
			chars++; /* count lead bytes; expat already checked the UTF-8 */
		if (chars > max)
			return false;
	}
	return allow_empty || chars > 0;
}

static bool valid_tag_key(const char *s)
{
	return valid_tag_text(s, IAM_TAG_KEY_MAX, false);
}

static bool valid_tag_value(const char *s)
{
	return valid_tag_text(s, IAM_TAG_VALUE_MAX, true);
}

static int parse_tags(const struct xml_node *item, struct iam_user *u, struct aws_error *err,
		      const char *where)
{
	struct xml_node *const *tags;
	size_t n, i;
	int rc;

	rc = iam_list_items(item, "Tags", false, &tags, &n, err, where);
	if (rc < 0 || n == 0)
		return rc;
	if (n > IAM_TAGS_PER_USER_MAX)
		return iam_bad(err, "%s: %zu tags, more than IAM allows", where, n);
	u->tags = calloc(n, sizeof(*u->tags));
	if (!u->tags)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct iam_tag *t = &u->tags[u->ntags];
		rc = iam_take_str(tags[i], "Key", valid_tag_key, true, &t->key, err, where);
		if (rc == 0)
			rc = iam_take_str(tags[i], "Value", valid_tag_value, true, &t->value, err,
					  where);
		if (rc < 0) {
			free(t->key);
			free(t->value);
			t->key = t->value = NULL;
			return rc;
		}
		u->ntags++;
	}
	return 0;
}

/* GroupList of a UserDetailList member: <member>name</member> each. */
static int parse_group_list(const struct xml_node *item, struct iam_user *u, struct aws_error *err,
			    const char *where)
{
	struct xml_node *const *g;
	size_t n, i;
	int rc;

	rc = iam_list_items(item, "GroupList", false, &g, &n, err, where);
	if (rc < 0 || n == 0)
		return rc;
	if (n > IAM_GROUPS_PER_USER_MAX)
		return iam_bad(err, "%s: member of %zu groups, more than IAM allows", where, n);
	u->groups = calloc(n, sizeof(*u->groups));
	if (!u->groups)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (g[i]->nchildren || strlen(g[i]->text) != g[i]->text_len ||
		    !iam_valid_group_name(g[i]->text))
			return iam_bad(err, "%s: <GroupList> entry %zu is not a group name", where,
				       i + 1);
		u->groups[i] = strdup(g[i]->text);
		if (!u->groups[i])
			return -ENOMEM;
		u->ngroups++;
	}
	return 0;
}

enum { USER_TAGS = 0x1, USER_GROUPS = 0x2 };

static int parse_user(const struct xml_node *item, unsigned what, struct iam_user *u,
		      struct aws_error *err, const char *where)
{
	int rc;

	memset(u, 0, sizeof(*u));
	rc = iam_take_str(item, "UserName", iam_valid_user_name, true, &u->name, err, where);
	if (rc == 0)
		rc = iam_take_str(item, "UserId", iam_id_valid, true, &u->id, err, where);
	if (rc == 0)
		rc = iam_take_str(item, "Arn", valid_user_arn, true, &u->arn, err, where);
	if (rc == 0)
		rc = iam_take_str(item, "Path", valid_path, true, &u->path, err, where);
	if (rc == 0)
		rc = iam_take_date(item, "CreateDate", true, &u->created, err, where);
	if (rc == 0 && (what & USER_TAGS))
		rc = parse_tags(item, u, err, where);
	if (rc == 0 && (what & USER_GROUPS))
		rc = parse_group_list(item, u, err, where);
	if (rc < 0)
		iam_user_free(u);
	return rc;
}

static int parse_group(const struct xml_node *item, struct iam_group *g, struct aws_error *err,
		       const char *where)
{
	int rc;

	memset(g, 0, sizeof(*g));
	rc = iam_take_str(item, "GroupName", iam_valid_group_name, true, &g->name, err, where);
	if (rc == 0)
		rc = iam_take_str(item, "GroupId", iam_id_valid, true, &g->id, err, where);
	if (rc == 0)
		rc = iam_take_str(item, "Arn", valid_group_arn, true, &g->arn, err, where);
	if (rc == 0)
		rc = iam_take_str(item, "Path", valid_path, true, &g->path, err, where);
	if (rc == 0)
		rc = iam_take_date(item, "CreateDate", true, &g->created, err, where);
	if (rc < 0)
		iam_group_free(g);
	return rc;
}

static int append_users(struct xml_node *const *items, size_t n, unsigned what,
			struct iam_user_list *acc, struct aws_error *err, const char *ctx)
{
	char where[128];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = iam_grow((void **)&acc->v, &acc->cap, acc->n, sizeof(*acc->v), err);
		if (rc < 0)
			return rc;
		snprintf(where, sizeof(where), "%s member %zu", ctx, i + 1);
		rc = parse_user(items[i], what, &acc->v[acc->n], err, where);
		if (rc < 0)
			return rc;
		acc->n++;
	}
	return 0;
}

static int append_groups(struct xml_node *const *items, size_t n, struct iam_group_list *acc,
			 struct aws_error *err, const char *ctx)
{
	char where[128];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = iam_grow((void **)&acc->v, &acc->cap, acc->n, sizeof(*acc->v), err);
		if (rc < 0)
			return rc;
		snprintf(where, sizeof(where), "%s member %zu", ctx, i + 1);
		rc = parse_group(items[i], &acc->v[acc->n], err, where);
		if (rc < 0)
			return rc;
		acc->n++;
	}
	return 0;
}

int iam_parse_list_users_page(const char *body, size_t len, struct iam_user_list *acc,
			      struct iam_page *pg, struct aws_error *err)
{
	struct xml_node *tree;
	const struct xml_node *res;
	struct xml_node *const *items;
	size_t n;
	int rc;

	pg->truncated = false;
	pg->marker = NULL;
	rc = iam_open_result(body, len, "ListUsers", &tree, &res, err);
	if (rc < 0)
		return rc;
	rc = iam_list_items(res, "Users", true, &items, &n, err, "ListUsers");
	if (rc == 0)
		rc = append_users(items, n, USER_TAGS, acc, err, "ListUsers Users");
	if (rc == 0)
		rc = iam_take_page(res, pg, err, "ListUsers");
	xml_free(tree);
	return rc;
}

int iam_parse_list_groups_page(const char *body, size_t len, struct iam_group_list *acc,
			       struct iam_page *pg, struct aws_error *err)
{
	struct xml_node *tree;
	const struct xml_node *res;
	struct xml_node *const *items;
	size_t n;
	int rc;

	pg->truncated = false;
	pg->marker = NULL;
	rc = iam_open_result(body, len, "ListGroups", &tree, &res, err);
	if (rc < 0)
		return rc;
	rc = iam_list_items(res, "Groups", true, &items, &n, err, "ListGroups");
	if (rc == 0)
		rc = append_groups(items, n, acc, err, "ListGroups Groups");
	if (rc == 0)
		rc = iam_take_page(res, pg, err, "ListGroups");
	xml_free(tree);
	return rc;
}

int iam_parse_get_group_page(const char *body, size_t len, struct iam_group *group,
			     struct iam_name_list *members, struct iam_page *pg,
			     struct aws_error *err)
{
	struct xml_node *tree;
	const struct xml_node *res, *gnode;
	struct xml_node *const *items;
	struct iam_group g;
	struct iam_user u;
	char where[128];
	size_t n, i;
	int rc;

	pg->truncated = false;
	pg->marker = NULL;
	rc = iam_open_result(body, len, "GetGroup", &tree, &res, err);
	if (rc < 0)
		return rc;
	rc = iam_child(res, "Group", true, &gnode, err, "GetGroup");
	if (rc < 0)
		goto out;
	rc = parse_group(gnode, &g, err, "GetGroup Group");
	if (rc < 0)
		goto out;
	if (!group->name) {
		*group = g;
	} else {
		bool same = strcmp(group->name, g.name) == 0 && strcmp(group->id, g.id) == 0;
		iam_group_free(&g);
		if (!same) {
			rc = iam_bad(err, "GetGroup: a later page names another group");
			goto out;
		}
	}
	rc = iam_list_items(res, "Users", true, &items, &n, err, "GetGroup");
	for (i = 0; rc == 0 && i < n; i++) {
		rc = iam_grow((void **)&members->v, &members->cap, members->n, sizeof(*members->v),
			      err);
		if (rc < 0)
			break;
		snprintf(where, sizeof(where), "GetGroup Users member %zu", i + 1);
		rc = parse_user(items[i], 0, &u, err, where);
		if (rc < 0)
			break;
		members->v[members->n++] = u.name;
		u.name = NULL;
		iam_user_free(&u);
	}
	if (rc == 0)
		rc = iam_take_page(res, pg, err, "GetGroup");
out:
	xml_free(tree);
	return rc;
}

int iam_parse_gaad_page(const char *body, size_t len, struct iam_user_list *users,
			struct iam_group_list *groups, struct iam_page *pg, struct aws_error *err)
{
	static const char action[] = "GetAccountAuthorizationDetails";
	struct xml_node *tree;
	const struct xml_node *res;
	struct xml_node *const *items;
	size_t n;
	int rc;

	pg->truncated = false;
	pg->marker = NULL;
	rc = iam_open_result(body, len, action, &tree, &res, err);
	if (rc < 0)
		return rc;
	/* With Filter User+Group both lists are in every page, possibly empty. Both are
	 * required: an answer without one would read as "no users", and a sync
	 * would then remove them all. (A missing key list, by contrast, only denies.) */
	rc = iam_list_items(res, "UserDetailList", true, &items, &n, err, action);
	if (rc == 0)
		rc = append_users(items, n, USER_TAGS | USER_GROUPS, users, err,
				  "GetAccountAuthorizationDetails UserDetailList");
	if (rc == 0)
		rc = iam_list_items(res, "GroupDetailList", true, &items, &n, err, action);
	if (rc == 0)
		rc = append_groups(items, n, groups, err,
				   "GetAccountAuthorizationDetails GroupDetailList");
	if (rc == 0)
		rc = iam_take_page(res, pg, err, action);
	xml_free(tree);
	return rc;
}

int iam_parse_get_user(const char *body, size_t len, struct iam_user *out, struct aws_error *err)
{
	struct xml_node *tree;
	const struct xml_node *res, *unode;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = iam_open_result(body, len, "GetUser", &tree, &res, err);
	if (rc < 0)
		return rc;
	rc = iam_child(res, "User", true, &unode, err, "GetUser");
	if (rc == 0)
		rc = parse_user(unode, USER_TAGS, out, err, "GetUser User");
	xml_free(tree);
	return rc;
}
