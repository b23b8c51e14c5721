/* A list of short strings, as config values like "a, b c" give them. */
#ifndef IAM_STRLIST_H
#define IAM_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

#define STR_LIST_MAX_ITEMS 256
#define STR_LIST_MAX_ITEM 256 /* bytes per item */

struct str_list {
	char **items;
	size_t n;
};

/*
 * Split v on commas and white space (empty items dropped) into *out, replacing
 * what it held. 0, -E2BIG past the limits above, -ENOMEM; *out unchanged on error.
 */
int str_list_parse(const char *v, struct str_list *out);
void str_list_free(struct str_list *l);
bool str_list_contains(const struct str_list *l, const char *s);
bool str_list_contains_ci(const struct str_list *l, const char *s);

#endif
