/*
 * Internal to the IAM API code (common/iam_*.c) and its unit tests: parsing of
 * one answer page into the structs of iam_api.h, field validation, and the
 * pagination guard. No network here, so every hostile answer can be tested.
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

/* Bounds on what IAM may send us (IAM's own limits, or generous caps where a quota may grow). */
#define IAM_USER_NAME_MAX 64
#define IAM_GROUP_NAME_MAX 128
#define IAM_PATH_MAX 512
#define IAM_ARN_MAX 2048
#define IAM_TAG_KEY_MAX 128   /* characters; bytes allow 4 per UTF-8 character */
#define IAM_TAG_VALUE_MAX 256 /* characters */
#define IAM_TAGS_PER_USER_MAX 50
#define IAM_GROUPS_PER_USER_MAX 64 /* IAM allows 10; room for a raised quota */
#define IAM_SSH_KEY_ID_MIN 20
#define IAM_SSH_KEY_BODY_MAX 16384
#define IAM_FINGERPRINT_MAX 128
#define IAM_MFA_SERIAL_MIN 9
#define IAM_MFA_SERIAL_MAX 256
#define IAM_MFA_SEED_MIN 16 /* base32 characters */
#define IAM_MFA_SEED_MAX 128
#define IAM_MARKER_MAX 4096
#define IAM_MAX_PAGES 10000    /* per call; an answer that never ends is an error */
#define IAM_MAX_ITEMS 1000000u /* per call, across pages */

/* What one page says about the next one. */
struct iam_page {
	bool truncated;
	char *marker; /* Marker for the next request, NULL when absent */
};
void iam_page_clear(struct iam_page *pg);

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

/*
 * Duplicate check over a finished list: the same UserId/GroupId or the same
 * name (IAM names are case-insensitively unique) twice is -EBADMSG.
 */
int iam_check_unique_users(const struct iam_user *u, size_t n, struct aws_error *err);
int iam_check_unique_groups(const struct iam_group *g, size_t n, struct aws_error *err);
/* The same for a list of names (case-insensitive); what names them in the message. */
int iam_check_unique_names(char *const *v, size_t n, const char *what, struct aws_error *err);

/* "2024-01-02T03:04:05Z", with optional fractional seconds and Z or +hh:mm. 0 or -EINVAL. */
int iam_parse_date(const char *s, time_t *out);

/* Field validators (true when s is acceptable). */
bool iam_valid_user_name(const char *s);
bool iam_valid_group_name(const char *s);
bool iam_valid_ssh_key_id(const char *s);
bool iam_valid_mfa_serial(const char *s);

/* Pagination guard over one call. */
struct iam_pager {
	unsigned pages;	    /* pages received */
	unsigned max_pages; /* IAM_MAX_PAGES unless a test lowers it */
	char *marker;	    /* to send with the next request; NULL on the first */
	uint64_t *seen;	    /* hashes of markers already sent */
	size_t nseen;
};
void iam_pager_init(struct iam_pager *p);
/*
 * After a page was parsed: takes pg->marker. Returns 1 when another page must
 * be asked with p->marker, 0 when done, -EBADMSG when IsTruncated comes without
 * a Marker or a Marker repeats, -E2BIG past max_pages.
 */
int iam_pager_advance(struct iam_pager *p, struct iam_page *pg, struct aws_error *err);
void iam_pager_free(struct iam_pager *p);

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

/*
 * One paged call (iam_api*.c): params are the NULL-terminated key/value pairs
 * of the action (at most IAM_CALL_MAX_PARAMS pairs); MaxItems (when page_size
 * is non-zero) and Marker are added. parse is called once per page with ctx.
 * *calls (may be NULL) is increased per request made.
 */
#define IAM_CALL_MAX_PARAMS 8
#define IAM_API_VERSION "2010-05-08"
typedef int (*iam_page_fn)(const char *body, size_t len, void *ctx, struct iam_page *pg,
			   struct aws_error *err);
int iam_paged_call(struct aws_client *c, const char *const *params, unsigned page_size,
		   iam_page_fn parse, void *ctx, unsigned *calls, struct aws_error *err);
/* Refuse an argument we would send to IAM when it is not valid: -EINVAL, err set. */
int iam_bad_arg(struct aws_error *err, const char *what);

/* Set err to the code "MalformedResponse" with a message; returns -EBADMSG. */
int iam_bad(struct aws_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
