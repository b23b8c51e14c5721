/*
 * The group every IAM user is in ([directory] users_group, default iam-users),
 * so sshd can say "Match Group iam-users" for "is an IAM user" (decision 6).
 *
 * It enters the build as one more IAM group whose IAM name and id contain a
 * ':' (IAM names and ids never do, so no real group can be it or collide with
 * it), created at time 0: the oldest entity, it keeps its hash gid and its name
 * against any real group, identically on every host.
 */
#ifndef IAM_USERS_GROUP_H
#define IAM_USERS_GROUP_H

#include <stdbool.h>

#include "iam/iam_api.h"

#define USERS_GROUP_IAM_NAME "iam-login:users"
#define USERS_GROUP_IAM_ID "iam-login:users-group"

/*
 * view = d plus the users group, every user a member. Shallow: strings stay
 * d's; free with users_group_view_free (not iam_directory_free). 0 or -ENOMEM.
 */
int users_group_view(const struct iam_directory *d, struct iam_directory *view);
void users_group_view_free(struct iam_directory *view);

/* Is g the users group of a view? */
bool users_group_is(const struct iam_group *g);

#endif
