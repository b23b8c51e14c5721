#include "directory/users_group.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool users_group_is(const struct iam_group *g)
{
	return g->id && strcmp(g->id, USERS_GROUP_IAM_ID) == 0;
}

int users_group_view(const struct iam_directory *d, struct iam_directory *view)
{
	memset(view, 0, sizeof(*view));
	view->users = calloc(d->nusers + 1, sizeof(*view->users));
	view->groups = calloc(d->ngroups + 1, sizeof(*view->groups));
	if (!view->users || !view->groups)
		goto nomem;
	if (d->ngroups)
		memcpy(view->groups, d->groups, d->ngroups * sizeof(*d->groups));
	view->groups[d->ngroups] = (struct iam_group){
	    .name = (char *)USERS_GROUP_IAM_NAME,
	    .id = (char *)USERS_GROUP_IAM_ID,
	    .arn = (char *)"",
	    .path = (char *)"/",
	    .created = 0,
	};
	view->ngroups = d->ngroups + 1;
	view->calls = d->calls;
	for (size_t i = 0; i < d->nusers; i++) {
		const struct iam_user *u = &d->users[i];
		char **groups = calloc(u->ngroups + 1, sizeof(*groups));

		if (!groups)
			goto nomem;
		if (u->ngroups)
			memcpy(groups, u->groups, u->ngroups * sizeof(*groups));
		groups[u->ngroups] = (char *)USERS_GROUP_IAM_NAME;
		view->users[i] = *u;
		view->users[i].groups = groups;
		view->users[i].ngroups = u->ngroups + 1;
		view->nusers = i + 1;
	}
	return 0;
nomem:
	users_group_view_free(view);
	return -ENOMEM;
}

void users_group_view_free(struct iam_directory *view)
{
	for (size_t i = 0; view->users && i < view->nusers; i++)
		free(view->users[i].groups);
	free(view->users);
	free(view->groups);
	memset(view, 0, sizeof(*view));
}
