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
#define LOCALDB_SHELLS "/etc/shells"

struct local_ent {
	char *name;
	uint32_t id;
};

struct local_db {
	struct local_ent *users;
	size_t nusers;
	struct local_ent *groups;
	size_t ngroups;
	char **shells; /* login shells the host lists in /etc/shells (tag values must be one) */
	size_t nshells;
};

/* Load both files (NULL: the defaults). A missing file is an error. 0 or -errno. */
int localdb_load(struct local_db *db, const char *passwd_path, const char *group_path);
void localdb_free(struct local_db *db);

/*
 * (Re)load the list of valid login shells (NULL: /etc/shells). localdb_load does
 * this with the default. A missing file lists no shell, so every shell tag is
 * ignored (issue 8 finding 10). 0 or -errno.
 */
int localdb_load_shells(struct local_db *db, const char *shells_path);
/* Is shell listed, exactly? */
int localdb_shell_listed(const struct local_db *db, const char *shell);

const struct local_ent *localdb_user_by_name(const struct local_db *db, const char *name);
const struct local_ent *localdb_user_by_id(const struct local_db *db, uint32_t id);
const struct local_ent *localdb_group_by_name(const struct local_db *db, const char *name);
const struct local_ent *localdb_group_by_id(const struct local_db *db, uint32_t id);

#endif
