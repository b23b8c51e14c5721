/*
 * Directory build: a hostile IAM directory and hostile local accounts (one line
 * each: "u NAME ID CREATED [GROUP...]", "g NAME ID CREATED", "t KEY VALUE" for the
 * last user, "l NAME UID", "L NAME GID"; fields split by TAB), a tiny id range so
 * collisions are certain. Whatever is built must be what install accepts: portable
 * unique names, unique ids inside the ranges, no local name or id, private group
 * gid = uid, every index in range.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "directory/dirbuild.h"
#include "directory/localdb.h"
#include "directory/names.h"
#include "fuzz.h"
#include "iam/iam_api.h"

#define MAX_ITEMS 64

static char *field(char **p)
{
	char *s = *p, *t;

	if (!s)
		return NULL;
	t = strchr(s, '\t');
	if (t) {
		*t = '\0';
		*p = t + 1;
	} else {
		*p = NULL;
	}
	return s;
}

static void check_model(const struct iam_config *cfg, const struct local_db *local,
			const struct dir_model *m)
{
	for (size_t i = 0; i < m->nusers; i++) {
		const struct dir_user *u = &m->users[i];

		FUZZ_ASSERT(u->name && name_is_portable(u->name));
		FUZZ_ASSERT(u->uid >= cfg->uid_min && u->uid <= cfg->uid_max);
		FUZZ_ASSERT(!localdb_user_by_name(local, u->name) &&
			    !localdb_user_by_id(local, u->uid));
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(m->users[j].name, u->name) != 0 &&
				    m->users[j].uid != u->uid);
		for (size_t k = 0; k < u->ngroups; k++)
			FUZZ_ASSERT(u->group_idx[k] < m->ngroups);
	}
	for (size_t i = 0; i < m->ngroups; i++) {
		const struct dir_group *g = &m->groups[i];

		FUZZ_ASSERT(g->name && name_is_portable(g->name));
		FUZZ_ASSERT(!g->merged); /* merge_groups is empty here */
		FUZZ_ASSERT(!localdb_group_by_name(local, g->name) &&
			    !localdb_group_by_id(local, g->gid));
		if (g->user_private)
			FUZZ_ASSERT(g->gid >= cfg->uid_min && g->gid <= cfg->uid_max);
		else
			FUZZ_ASSERT(g->gid >= cfg->gid_min && g->gid <= cfg->gid_max);
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(m->groups[j].name, g->name) != 0 &&
				    m->groups[j].gid != g->gid);
		for (size_t k = 0; k < g->nmembers; k++)
			FUZZ_ASSERT(g->member_idx[k] < m->nusers);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iam_user users[MAX_ITEMS];
	struct iam_group groups[MAX_ITEMS];
	struct local_ent lu[MAX_ITEMS], lg[MAX_ITEMS];
	struct iam_tag tags[MAX_ITEMS];
	char *glists[MAX_ITEMS][8];
	struct iam_directory d = {users, 0, groups, 0, 0};
	struct local_db local;
	struct iam_config cfg;
	struct dir_model m;
	struct dir_warnings w = {NULL, 0};
	char *text, *line, *save = NULL;
	size_t ntags = 0;

	if (size < 1 || config_defaults(&cfg) < 0)
		return 0;
	/* ranges of 8..71 ids: the hash's collisions and the probing are exercised */
	cfg.uid_min = cfg.gid_min = 200000000;
	cfg.uid_max = cfg.gid_max = 200000000 + 7 + (data[0] & 63);
	memset(&local, 0, sizeof(local));
	local.users = lu;
	local.groups = lg;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line + (line[0] ? 1 : 0), *a, *b, *c;

		if (*p == '\t')
			p++;
		a = field(&p);
		b = field(&p);
		if (!a || !b)
			continue;
		switch (line[0]) {
		case 'u':
			if (d.nusers == MAX_ITEMS || !(c = field(&p)))
				break;
			users[d.nusers] = (struct iam_user){a,
							    b,
							    "arn:aws:iam::123456789012:user/x",
							    "/",
							    atol(c),
							    NULL,
							    0,
							    glists[d.nusers],
							    0};
			while (p && users[d.nusers].ngroups < 8)
				glists[d.nusers][users[d.nusers].ngroups++] = field(&p);
			d.nusers++;
			break;
		case 't':
			if (d.nusers && ntags < MAX_ITEMS && !users[d.nusers - 1].tags) {
				tags[ntags] = (struct iam_tag){a, b};
				users[d.nusers - 1].tags = &tags[ntags++];
				users[d.nusers - 1].ntags = 1;
			}
			break;
		case 'g':
			if (d.ngroups == MAX_ITEMS || !(c = field(&p)))
				break;
			groups[d.ngroups++] =
			    (struct iam_group){a, b, "arn:aws:iam::1:group/x", "/", atol(c)};
			break;
		case 'l':
			if (local.nusers < MAX_ITEMS)
				lu[local.nusers++] =
				    (struct local_ent){a, (uint32_t)strtoul(b, NULL, 10)};
			break;
		case 'L':
			if (local.ngroups < MAX_ITEMS)
				lg[local.ngroups++] =
				    (struct local_ent){a, (uint32_t)strtoul(b, NULL, 10)};
			break;
		}
	}
	if (dirbuild_run(&cfg, &d, &local, 1700000000, &m, &w) == 0) {
		check_model(&cfg, &local, &m);
		dirmodel_free(&m);
	}
	dirbuild_warnings_free(&w);
	free(text);
	config_free(&cfg);
	return 0;
}
