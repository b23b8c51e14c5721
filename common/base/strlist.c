#include "base/strlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void str_list_free(struct str_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* Split on commas and white space; empty items are dropped. */
int str_list_parse(const char *v, struct str_list *out)
{
	struct str_list l = {0};
	const char *p = v;

	while (*p) {
		size_t len;
		char **grown;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len == 0)
			break;
		if (l.n >= STR_LIST_MAX_ITEMS || len > STR_LIST_MAX_ITEM) {
			str_list_free(&l);
			return -E2BIG;
		}
		grown = realloc(l.items, (l.n + 1) * sizeof(*l.items));
		if (!grown || !(grown[l.n] = strndup(p, len))) {
			l.items = grown ? grown : l.items;
			str_list_free(&l);
			return -ENOMEM;
		}
		l.items = grown;
		l.n++;
		p += len;
	}
	str_list_free(out);
	*out = l;
	return 0;
}

bool str_list_contains(const struct str_list *l, const char *s)
{
	for (size_t i = 0; l && s && i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

bool str_list_contains_ci(const struct str_list *l, const char *s)
{
	for (size_t i = 0; l && s && i < l->n; i++)
		if (strcasecmp(l->items[i], s) == 0)
			return true;
	return false;
}
