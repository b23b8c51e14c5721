/*
 * The host's own accounts and groups, read straight from the passwd and group
 * files at sync time (never through NSS, which would ask libnss_iam itself).
 * IAM names and ids that collide with them are excluded.
 */
#ifndef IAM_LOCALDB_H
#define IAM_LOCALDB_H

#include <stddef.h>
#include <stdint.h>

#define LOCALDB_PASSWD "/etc/passwd"
#define LOCALDB_GROUP "/etc/group"

struct local_ent {
	char *name;
	uint32_t id;
};

struct local_db {
	struct local_ent *users;
	size_t nusers;
	struct local_ent *groups;
	size_t ngroups;
};

/* Load both files (NULL: the defaults). A missing file is an error. 0 or -errno. */
int local_db_load(struct local_db *db, const char *passwd_path, const char *group_path);
void local_db_free(struct local_db *db);

const struct local_ent *local_user_by_name(const struct local_db *db, const char *name);
const struct local_ent *local_user_by_id(const struct local_db *db, uint32_t id);
const struct local_ent *local_group_by_name(const struct local_db *db, const char *name);
const struct local_ent *local_group_by_id(const struct local_db *db, uint32_t id);

#endif
