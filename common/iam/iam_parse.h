/*
 * Internal to the IAM API code (common/iam/) and its unit tests: parsing of
 * one answer page into the structs of iam_api.h (iam_parse*.c). No network here, so every hostile
 * answer can be tested.
 *
 * Page parsers append complete, validated items to an accumulator; an item that
 * fails validation is freed, never appended. On error the caller frees the
 * whole accumulator: a failed page means a failed call, never a partial result.
 */
#ifndef IAM_IAM_PARSE_H
#define IAM_IAM_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "iam/iam_api.h"
#include "iam/iam_pager.h"
#include "iam/iam_validate.h"

/* Accumulators, grown across pages. Free with the *_list_free functions. */
struct iam_user_list {
	struct iam_user *v;
	size_t n, cap;
};
struct iam_group_list {
	struct iam_group *v;
	size_t n, cap;
};
struct iam_name_list {
	char **v;
	size_t n, cap;
};
struct iam_key_list {
	struct iam_ssh_key *v;
	size_t n, cap;
};
struct iam_mfa_list {
	struct iam_mfa_device *v;
	size_t n, cap;
};
void iam_user_list_free(struct iam_user_list *l);
void iam_group_list_free(struct iam_group_list *l);
void iam_name_list_free(struct iam_name_list *l);
void iam_key_list_free(struct iam_key_list *l);
void iam_mfa_list_free(struct iam_mfa_list *l);

/*
 * Page parsers. body/len is one answer of the named action. Return 0, -EBADMSG
 * for an answer that is malformed or fails validation, -E2BIG past the item
 * caps, -ENOMEM; err says what and where.
 */
int iam_parse_list_users_page(const char *body, size_t len, struct iam_user_list *acc,
			      struct iam_page *pg, struct aws_error *err);
int iam_parse_list_groups_page(const char *body, size_t len, struct iam_group_list *acc,
			       struct iam_page *pg, struct aws_error *err);
/* GetGroup: fills *group on the first page (group->name NULL), checks later pages name it too. */
int iam_parse_get_group_page(const char *body, size_t len, struct iam_group *group,
			     struct iam_name_list *members, struct iam_page *pg,
			     struct aws_error *err);
int iam_parse_gaad_page(const char *body, size_t len, struct iam_user_list *users,
			struct iam_group_list *groups, struct iam_page *pg, struct aws_error *err);
int iam_parse_get_user(const char *body, size_t len, struct iam_user *out, struct aws_error *err);
/* user: the user asked about; every key listed must belong to that user. */
int iam_parse_list_ssh_keys_page(const char *body, size_t len, const char *user,
				 struct iam_key_list *acc, struct iam_page *pg,
				 struct aws_error *err);
int iam_parse_get_ssh_key(const char *body, size_t len, const char *user, const char *key_id,
			  struct iam_ssh_key *out, struct aws_error *err);
int iam_parse_list_mfa_page(const char *body, size_t len, const char *user,
			    struct iam_mfa_list *acc, struct iam_page *pg, struct aws_error *err);
/*
 * CreateVirtualMFADevice: the serial and the seed (base64 of the base32 text in
 * the Query API, decoded here and checked to be base32). The parsed tree's copy
 * of the seed is zeroed before it is freed; the caller zeroes body.
 */
int iam_parse_create_vmfa(const char *body, size_t len, char **serial, char **seed_base32,
			  struct aws_error *err);

/* Building blocks shared by the page parsers (iam_parse*.c). */
struct xml_node;
typedef bool (*iam_check_fn)(const char *s);
/* Parse body, check the root is <{action}Response> and find its <{action}Result>. */
int iam_open_result(const char *body, size_t len, const char *action, struct xml_node **tree,
		    const struct xml_node **result, struct aws_error *err);
/* The list element `list` of parent (absent: -EBADMSG when required, else 0 items);
 * every child of it must be <member>. */
int iam_list_items(const struct xml_node *parent, const char *list, bool required,
		   struct xml_node *const **items, size_t *n, struct aws_error *err,
		   const char *where);
/* A leaf child's text, copied when ok(text); absent is -EBADMSG when required (*out NULL). */
int iam_take_str(const struct xml_node *item, const char *name, iam_check_fn ok, bool required,
		 char **out, struct aws_error *err, const char *where);
int iam_take_date(const struct xml_node *item, const char *name, bool required, time_t *out,
		  struct aws_error *err, const char *where);
/* IsTruncated ("true"/"false", absent: false) and Marker of a list result. */
int iam_take_page(const struct xml_node *result, struct iam_page *pg, struct aws_error *err,
		  const char *where);
/* Make room for one more element (n + 1 <= IAM_MAX_ITEMS). */
int iam_grow(void **v, size_t *cap, size_t n, size_t elem, struct aws_error *err);
/* The single child `name` of parent (NULL if absent); two of them, or none when
 * required: -EBADMSG. */
int iam_child(const struct xml_node *parent, const char *name, bool required,
	      const struct xml_node **out, struct aws_error *err, const char *where);
/* The single leaf child `name` (NULL if absent); two of them or nested elements: -EBADMSG. */
int iam_leaf(const struct xml_node *item, const char *name, const struct xml_node **out,
	     struct aws_error *err, const char *where);

#endif
