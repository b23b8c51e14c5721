/* Local passwd/group files: just names and ids, for collision checks. */
#include "directory/localdb.h"
#include "base/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LOCALDB_MAX_BYTES (64u * 1024 * 1024)

/* Parse "name:x:id:..." lines (id is field 3 in both files). Skips comments, NIS +/- lines. */
static int parse(char *text, struct local_ent **out, size_t *n)
{
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	for (char *line = text, *next; line && *line; line = next) {
		char *f[3], *end, *p = line;
		unsigned long v;
		int k;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#' || *line == '+' || *line == '-' || *line == '\0')
			continue;
		for (k = 0; k < 3 && p; k++) {
			f[k] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (k < 3 || !p || !*f[0])
			continue;
		errno = 0;
		v = strtoul(f[2], &end, 10);
		if (errno || end == f[2] || *end || v > UINT32_MAX)
			continue;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct local_ent *t = realloc(*out, ncap * sizeof(*t));

			if (!t)
				return -ENOMEM;
			*out = t;
			cap = ncap;
		}
		(*out)[*n].name = strdup(f[0]);
		if (!(*out)[*n].name)
			return -ENOMEM;
		(*out)[*n].id = (uint32_t)v;
		(*n)++;
	}
	return 0;
}

static int load_one(const char *path, struct local_ent **out, size_t *n)
{
	char *text = NULL;
	size_t len;
	int r = file_read_bounded(path, LOCALDB_MAX_BYTES, &text, &len);

	if (r < 0)
		return r;
	r = parse(text, out, n);
	free(text);
	return r;
}

int localdb_load(struct local_db *db, const char *passwd_path, const char *group_path)
{
	int r;

	memset(db, 0, sizeof(*db));
	r = load_one(passwd_path ? passwd_path : LOCALDB_PASSWD, &db->users, &db->nusers);
	if (r == 0)
		r = load_one(group_path ? group_path : LOCALDB_GROUP, &db->groups, &db->ngroups);
	if (r == 0)
		r = localdb_load_shells(db, NULL);
	if (r < 0)
		localdb_free(db);
	return r;
}

static void free_ents(struct local_ent *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

static void free_shells(struct local_db *db)
{
	for (size_t i = 0; i < db->nshells; i++)
		free(db->shells[i]);
	free(db->shells);
	db->shells = NULL;
	db->nshells = 0;
}

int localdb_load_shells(struct local_db *db, const char *shells_path)
{
	char *text = NULL, *line, *save = NULL;
	size_t len;
	int r;

	free_shells(db);
	r = file_read_bounded(shells_path ? shells_path : LOCALDB_SHELLS, LOCALDB_MAX_BYTES, &text,
			      &len);
	if (r == -ENOENT)
		return 0; /* no list: no tag can name a valid shell */
	if (r < 0)
		return r;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char **t;

		/* /etc/shells: one absolute path a line, '#' comments (shells(5)) */
		line += strspn(line, " \t");
		line[strcspn(line, " \t#\r")] = '\0';
		if (line[0] != '/')
			continue;
		t = realloc(db->shells, (db->nshells + 1) * sizeof(*t));
		if (!t || !(t[db->nshells] = strdup(line))) {
			if (t)
				db->shells = t;
			free(text);
			free_shells(db);
			return -ENOMEM;
		}
		db->shells = t;
		db->nshells++;
	}
	free(text);
	return 0;
}

int localdb_shell_listed(const struct local_db *db, const char *shell)
{
	for (size_t i = 0; i < db->nshells; i++)
		if (strcmp(db->shells[i], shell) == 0)
			return 1;
	return 0;
}

void localdb_free(struct local_db *db)
{
	free_ents(db->users, db->nusers);
	free_ents(db->groups, db->ngroups);
	free_shells(db);
	memset(db, 0, sizeof(*db));
}

static const struct local_ent *by_name(const struct local_ent *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].name, name) == 0)
			return &e[i];
	return NULL;
}

static const struct local_ent *by_id(const struct local_ent *e, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].id == id)
			return &e[i];
	return NULL;
}

const struct local_ent *localdb_user_by_name(const struct local_db *db, const char *name)
{
	return by_name(db->users, db->nusers, name);
}

const struct local_ent *localdb_user_by_id(const struct local_db *db, uint32_t id)
{
	return by_id(db->users, db->nusers, id);
}

const struct local_ent *localdb_group_by_name(const struct local_db *db, const char *name)
{
	return by_name(db->groups, db->ngroups, name);
}

const struct local_ent *localdb_group_by_id(const struct local_db *db, uint32_t id)
{
	return by_id(db->groups, db->ngroups, id);
}
