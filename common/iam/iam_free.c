/* Freeing the structs of iam_api.h and the internal accumulators. */
#include "iam/iam_parse.h"

#include <stdlib.h>
#include <string.h>

void iam_user_free(struct iam_user *u)
{
	size_t i;

	if (!u)
		return;
	free(u->name);
	free(u->id);
	free(u->arn);
	free(u->path);
	for (i = 0; i < u->ntags; i++) {
		free(u->tags[i].key);
		free(u->tags[i].value);
	}
	free(u->tags);
	for (i = 0; i < u->ngroups; i++)
		free(u->groups[i]);
	free(u->groups);
	memset(u, 0, sizeof(*u));
}

void iam_group_free(struct iam_group *g)
{
	if (!g)
		return;
	free(g->name);
	free(g->id);
	free(g->arn);
	free(g->path);
	memset(g, 0, sizeof(*g));
}

void iam_directory_free(struct iam_directory *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nusers; i++)
		iam_user_free(&d->users[i]);
	free(d->users);
	for (i = 0; i < d->ngroups; i++)
		iam_group_free(&d->groups[i]);
	free(d->groups);
	memset(d, 0, sizeof(*d));
}

void iam_ssh_key_free(struct iam_ssh_key *k)
{
	free(k->id);
	free(k->status);
	free(k->body);
	free(k->fingerprint);
	memset(k, 0, sizeof(*k));
}

void iam_ssh_keys_free(struct iam_ssh_key *keys, size_t n)
{
	size_t i;

	if (!keys)
		return;
	for (i = 0; i < n; i++)
		iam_ssh_key_free(&keys[i]);
	free(keys);
}

void iam_mfa_devices_free(struct iam_mfa_device *d, size_t n)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < n; i++)
		free(d[i].serial);
	free(d);
}

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
