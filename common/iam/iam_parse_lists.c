/* The page parsers' accumulators (iam_parse.h). */
#include "iam/iam_parse.h"

#include <stdlib.h>
#include <string.h>

void iam_user_list_free(struct iam_user_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		iam_user_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void iam_group_list_free(struct iam_group_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		iam_group_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void iam_name_list_free(struct iam_name_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void iam_key_list_free(struct iam_key_list *l)
{
	iam_ssh_keys_free(l->v, l->n);
	memset(l, 0, sizeof(*l));
}

void iam_mfa_list_free(struct iam_mfa_list *l)
{
	iam_mfa_devices_free(l->v, l->n);
	memset(l, 0, sizeof(*l));
}
