#include "directory/dirmodel.h"

#include <stdlib.h>
#include <string.h>

void dirmodel_free(struct dir_model *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nusers; i++) {
		struct dir_user *u = &m->users[i];
		free(u->name);
		free(u->gecos);
		free(u->home);
		free(u->shell);
		free(u->iam_name);
		free(u->iam_id);
		free(u->iam_arn);
		free(u->group_idx);
	}
	for (i = 0; i < m->ngroups; i++) {
		struct dir_group *g = &m->groups[i];
		free(g->name);
		free(g->iam_name);
		free(g->iam_id);
		free(g->iam_arn);
		free(g->member_idx);
	}
	for (i = 0; i < m->nexcluded; i++) {
		free(m->excluded[i].kind);
		free(m->excluded[i].iam_name);
		free(m->excluded[i].reason);
		free(m->excluded[i].iam_id);
	}
	free(m->users);
	free(m->groups);
	free(m->excluded);
	memset(m, 0, sizeof(*m));
}
