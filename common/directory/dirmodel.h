/*
 * The directory as this host sees it after mapping IAM names and ids to Linux:
 * what sync produces and the snapshot writer stores. Strings are owned (malloc).
 */
#ifndef IAM_DIRMODEL_H
#define IAM_DIRMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dir_user {
	char *name; /* Linux name */
	uint32_t uid;
	uint32_t gid; /* primary group */
	char *gecos;
	char *home;
	char *shell;
	char *iam_name;
	char *iam_id;
	char *iam_arn;
	uint32_t *group_idx; /* supplementary groups: indexes into dir_model.groups */
	size_t ngroups;
};

struct dir_group {
	char *name; /* Linux name */
	uint32_t gid;
	char *iam_name; /* for a user private group: the user's IAM name */
	char *iam_id;
	char *iam_arn;
	bool user_private;
	uint32_t *member_idx; /* indexes into dir_model.users */
	size_t nmembers;
	bool merged; /* into the local group of this name and gid (merge_groups) */
};

struct dir_excluded {
	char *kind; /* "user" or "group" */
	char *iam_name;
	char *reason; /* "collides with local account root", ... */
	char *iam_id; /* users: the IAM UserId (may be NULL) */
	/* Excluded only because of this host's own accounts/groups (a local jenkins
	 * created after the last sync): the sync's removal guard does not count it. */
	bool local_collision;
};

struct dir_model {
	char account[16]; /* 12-digit AWS account id, may be empty */
	int64_t created;  /* unix time the IAM data was read */
	struct dir_user *users;
	size_t nusers;
	struct dir_group *groups;
	size_t ngroups;
	struct dir_excluded *excluded;
	size_t nexcluded;
};

void dirmodel_free(struct dir_model *m);

#endif
