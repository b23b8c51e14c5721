/* Freeing the structs of iam_api.h. */
#include "iam/iam_api.h"

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
