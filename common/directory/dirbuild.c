/* The IAM directory -> this host's directory (rules in dirbuild.h). */
#include "directory/dirbuild.h"
#include "directory/ids.h"
#include "directory/names.h"
#include "directory/users_group.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GECOS_MAX 256
#define SHELL_MAX 255

struct ustate {
	char name[LINUX_NAME_MAX + 1];
	bool named;
	bool visible;
	bool local_collision; /* reason comes from local_collisions() */
	char *reason;
	uint32_t uid;
	const char *gecos;
	const char *shell;
};

struct gstate {
	char name[LINUX_NAME_MAX + 1];
	bool named;
	bool merged;
	char *reason;
	uint32_t gid;
	size_t model_idx;
};

struct build {
	const struct iam_config *cfg;
	const struct iam_directory *d;
	const struct local_db *local;
	struct ustate *us;
	struct gstate *gs;
	struct dir_warnings *warn;
	int err; /* first allocation failure */
};

void dirbuild_warnings_free(struct dir_warnings *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->msgs[i]);
	free(w->msgs);
	w->msgs = NULL;
	w->n = 0;
}

static void warn(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct build *b, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL, **t;

	if (!b->warn)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	t = msg ? realloc(b->warn->msgs, (b->warn->n + 1) * sizeof(*t)) : NULL;
	if (!t) {
		free(msg);
		b->err = -ENOMEM;
		return;
	}
	b->warn->msgs = t;
	t[b->warn->n++] = msg;
}

/* Set *reason unless already set (the first reason wins). */
static void exclude(struct build *b, char **reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void exclude(struct build *b, char **reason, const char *fmt, ...)
{
	va_list ap;

	if (*reason)
		return;
	va_start(ap, fmt);
	if (vasprintf(reason, fmt, ap) < 0) {
		*reason = NULL;
		b->err = -ENOMEM;
	}
	va_end(ap);
}

static const char *tag_value(const struct iam_user *u, const char *key)
{
	if (!key || !*key)
		return NULL;
	for (size_t i = 0; i < u->ntags; i++)
		if (u->tags[i].key && strcasecmp(u->tags[i].key, key) == 0)
			return u->tags[i].value;
	return NULL;
}

static bool has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static bool gecos_ok(const char *s)
{
	return strlen(s) <= GECOS_MAX && !strchr(s, ':') && !has_control(s);
}

static bool shell_ok(const char *s)
{
	return s[0] == '/' && strlen(s) <= SHELL_MAX && !strchr(s, ':') && !has_control(s);
}

/* 1. names and merges */
static void map_names(struct build *b)
{
	const struct iam_config *cfg = b->cfg;
	struct iam_err why;

	for (size_t i = 0; i < b->d->nusers; i++) {
		struct ustate *s = &b->us[i];

		if (name_map_user(b->d->users[i].name, &cfg->strip_suffixes, s->name,
				  sizeof(s->name), &why) == 0)
			s->named = true;
		else
			exclude(b, &s->reason, "invalid name: %s", why.msg);
	}
	for (size_t j = 0; j < b->d->ngroups; j++) {
		struct gstate *s = &b->gs[j];
		char bare[LINUX_NAME_MAX + 1];
		const struct local_ent *le;

		if (users_group_is(&b->d->groups[j])) {
			/* the configured Linux name, checked by the config: no prefix */
			snprintf(s->name, sizeof(s->name), "%s", cfg->users_group);
			s->named = true;
			continue;
		}
		if (name_map_group(b->d->groups[j].name, "", bare, sizeof(bare), NULL) == 0 &&
		    str_list_contains(&cfg->merge_groups, bare) &&
		    (le = localdb_group_by_name(b->local, bare)) != NULL) {
			if (le->id == 0) {
				exclude(b, &s->reason,
					"refusing to merge into local group %s (gid 0)", le->name);
				continue;
			}
			memcpy(s->name, bare, sizeof(bare));
			s->named = s->merged = true;
			s->gid = le->id;
			continue;
		}
		if (name_map_group(b->d->groups[j].name, cfg->group_prefix, s->name,
				   sizeof(s->name), &why) == 0)
			s->named = true;
		else
			exclude(b, &s->reason, "invalid name: %s", why.msg);
	}
}

/* 2. ids over the whole directory */
static int assign_ids(struct build *b)
{
	const struct iam_config *cfg = b->cfg;
	size_t nu = b->d->nusers, ng = b->d->ngroups, n = 0;
	struct id_entity *e = calloc(nu + ng + 1, sizeof(*e));
	size_t *back = calloc(nu + ng + 1, sizeof(*back));
	struct id_ranges r = {cfg->uid_min, cfg->uid_max, cfg->gid_min, cfg->gid_max};
	int ret;

	if (!e || !back) {
		free(e);
		free(back);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nu; i++) {
		const struct iam_user *u = &b->d->users[i];

		e[n] = (struct id_entity){.kind = ID_KIND_USER,
					  .iam_id = u->id,
					  .created = (int64_t)u->created,
					  .pin = tag_value(u, cfg->uid_tag)};
		back[n++] = i;
	}
	for (size_t j = 0; j < ng; j++) {
		if (b->gs[j].merged)
			continue;
		e[n] = (struct id_entity){.kind = ID_KIND_GROUP,
					  .iam_id = b->d->groups[j].id,
					  .created = (int64_t)b->d->groups[j].created};
		back[n++] = j;
	}
	ret = ids_assign(e, n, &r);
	for (size_t k = 0; ret == 0 && k < n; k++) {
		bool user = e[k].kind == ID_KIND_USER;
		const char *iam_name =
		    user ? b->d->users[back[k]].name : b->d->groups[back[k]].name;
		char **reason = user ? &b->us[back[k]].reason : &b->gs[back[k]].reason;

		if (e[k].outcome == ID_EXCLUDED) {
			exclude(b, reason, "%s: %s", user ? "uid" : "gid", e[k].reason);
			continue;
		}
		if (user)
			b->us[back[k]].uid = e[k].id;
		else
			b->gs[back[k]].gid = e[k].id;
		if (e[k].outcome == ID_PROBED)
			warn(b, "%s %s: %s", user ? "user" : "group", iam_name, e[k].reason);
	}
	free(e);
	free(back);
	return ret;
}

struct name_ref {
	const char *name;
	bool user;
	size_t idx;
};

static int cmp_name_ref(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->user != y->user)
		return x->user ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int64_t ref_created(const struct build *b, const struct name_ref *r)
{
	return r->user ? (int64_t)b->d->users[r->idx].created
		       : (int64_t)b->d->groups[r->idx].created;
}

static const char *ref_iam_id(const struct build *b, const struct name_ref *r)
{
	const char *id = r->user ? b->d->users[r->idx].id : b->d->groups[r->idx].id;

	return id ? id : "";
}

static char **ref_reason(struct build *b, const struct name_ref *r)
{
	return r->user ? &b->us[r->idx].reason : &b->gs[r->idx].reason;
}

/* Does x keep a name over y? Older CreateDate, then IAM id, then users first. */
static bool ref_older(const struct build *b, const struct name_ref *x, const struct name_ref *y)
{
	int64_t cx = ref_created(b, x), cy = ref_created(b, y);
	int c;

	if (cx != cy)
		return cx < cy;
	c = strcmp(ref_iam_id(b, x), ref_iam_id(b, y));
	if (c)
		return c < 0;
	return x->user && !y->user;
}

/*
 * In each run of equal names in refs the oldest identity not already excluded keeps
 * the name and the others are excluded and reported: creating a look-alike IAM user
 * (victim@example.com next to victim) must not evict the victim (issue 8 finding 11).
 */
static void exclude_runs(struct build *b, struct name_ref *refs, size_t n, const char *space)
{
	qsort(refs, n, sizeof(*refs), cmp_name_ref);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1, keep = SIZE_MAX;

		while (j < n && strcmp(refs[j].name, refs[i].name) == 0)
			j++;
		for (size_t k = i; j - i > 1 && k < j; k++)
			if (!*ref_reason(b, &refs[k]) &&
			    (keep == SIZE_MAX || ref_older(b, &refs[k], &refs[keep])))
				keep = k;
		for (size_t k = i; keep != SIZE_MAX && k < j; k++) {
			const struct name_ref *winner = &refs[keep];
			const char *wname = winner->user ? b->d->users[winner->idx].name
							 : b->d->groups[winner->idx].name;

			if (k == keep)
				continue;
			if (!winner->user && users_group_is(&b->d->groups[winner->idx])) {
				exclude(b, ref_reason(b, &refs[k]),
					"%s name %s is the group of all IAM users ([directory] "
					"users_group)",
					space, refs[k].name);
				continue;
			}
			exclude(b, ref_reason(b, &refs[k]),
				"%s name %s collides with older IAM %s %s", space, refs[k].name,
				winner->user ? "user" : "group", wname);
		}
		i = j;
	}
}

/* 3. collisions after mapping, whole directory */
static int name_collisions(struct build *b)
{
	size_t nu = b->d->nusers, ng = b->d->ngroups, n = 0;
	struct name_ref *refs = calloc(nu + ng + 1, sizeof(*refs));

	if (!refs)
		return -ENOMEM;
	for (size_t i = 0; i < nu; i++)
		if (b->us[i].named)
			refs[n++] = (struct name_ref){b->us[i].name, true, i};
	exclude_runs(b, refs, n, "user");
	n = 0;
	for (size_t i = 0; i < nu; i++)
		if (b->us[i].named)
			refs[n++] = (struct name_ref){b->us[i].name, true, i};
	for (size_t j = 0; j < ng; j++)
		if (b->gs[j].named)
			refs[n++] = (struct name_ref){b->gs[j].name, false, j};
	exclude_runs(b, refs, n, "group");
	free(refs);
	return 0;
}

/* 4. this host's own accounts and groups */
static void local_collisions(struct build *b)
{
	const struct local_ent *le;

	for (size_t i = 0; i < b->d->nusers; i++) {
		struct ustate *s = &b->us[i];

		if (s->reason)
			continue;
		s->local_collision = true; /* any reason set below is host-local */
		if ((le = localdb_user_by_name(b->local, s->name)))
			exclude(b, &s->reason, "collides with local account %s", le->name);
		else if ((le = localdb_group_by_name(b->local, s->name)))
			exclude(b, &s->reason, "private group collides with local group %s",
				le->name);
		else if ((le = localdb_user_by_id(b->local, s->uid)))
			exclude(b, &s->reason, "uid %u belongs to local account %s", s->uid,
				le->name);
		else if ((le = localdb_group_by_id(b->local, s->uid)))
			exclude(b, &s->reason, "gid %u belongs to local group %s", s->uid,
				le->name);
		else
			s->local_collision = false;
	}
	for (size_t j = 0; j < b->d->ngroups; j++) {
		struct gstate *s = &b->gs[j];

		if (s->reason || s->merged)
			continue;
		if ((le = localdb_group_by_name(b->local, s->name)))
			exclude(b, &s->reason, "collides with local group %s (not in merge_groups)",
				le->name);
		else if ((le = localdb_group_by_id(b->local, s->gid)))
			exclude(b, &s->reason, "gid %u belongs to local group %s", s->gid,
				le->name);
	}
}

/* 5. visibility, 6. tags */
static void visibility_and_tags(struct build *b)
{
	const struct iam_config *cfg = b->cfg;
	const char *prefix = cfg->path_prefix && *cfg->path_prefix ? cfg->path_prefix : "/";

	for (size_t i = 0; i < b->d->nusers; i++) {
		const struct iam_user *u = &b->d->users[i];
		struct ustate *s = &b->us[i];
		const char *v;

		s->visible = u->path ? strncmp(u->path, prefix, strlen(prefix)) == 0
				     : strcmp(prefix, "/") == 0;
		if (s->visible && cfg->visible_groups.n > 0) {
			s->visible = false;
			for (size_t k = 0; k < u->ngroups && !s->visible; k++)
				s->visible =
				    str_list_contains_ci(&cfg->visible_groups, u->groups[k]);
		}
		if (!s->visible || s->reason)
			continue;
		s->gecos = u->name;
		s->shell = cfg->default_shell ? cfg->default_shell : "/bin/bash";
		if ((v = tag_value(u, cfg->gecos_tag))) {
			if (gecos_ok(v))
				s->gecos = v;
			else
				warn(b, "user %s: gecos tag ignored (':' or control characters)",
				     u->name);
		}
		if ((v = tag_value(u, cfg->shell_tag))) {
			/* Only a shell the host lists as a login shell (shells(5)): a tag
			 * must not make an arbitrary file the login program (issue 8
			 * finding 10). */
			if (!shell_ok(v))
				warn(b, "user %s: shell tag ignored (not an absolute path)",
				     u->name);
			else if (!localdb_shell_listed(b->local, v))
				warn(b, "user %s: shell tag ignored (not listed in /etc/shells)",
				     u->name);
			else
				s->shell = v;
		}
	}
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void account_from_arn(const char *arn, char account[16])
{
	const char *p = arn;
	size_t len;

	/* arn:PARTITION:iam::ACCOUNT:... -> the fifth field */
	for (int field = 0; p && field < 4; field++) {
		p = strchr(p, ':');
		if (p)
			p++;
	}
	if (!p)
		return;
	len = strcspn(p, ":");
	if (len != 12 || strspn(p, "0123456789") < 12)
		return;
	memcpy(account, p, 12);
	account[12] = '\0';
}

static char *dup_or_fail(struct build *b, const char *s)
{
	char *r = strdup(s ? s : "");

	if (!r)
		b->err = -ENOMEM;
	return r;
}

struct group_key {
	const char *iam_name;
	size_t j;
};

static int cmp_group_key(const void *a, const void *b)
{
	return strcasecmp(((const struct group_key *)a)->iam_name,
			  ((const struct group_key *)b)->iam_name);
}

/* Sorted model index by name: users and groups are listed in name order. */
static int assemble(struct build *b, struct dir_model *m)
{
	const struct iam_directory *d = b->d;
	size_t nu = 0, ng = 0, nx = 0;
	char **names;
	struct group_key *keys;
	size_t *user_model = calloc(d->nusers + 1, sizeof(*user_model));
	char home[4096];

	if (!user_model)
		return -ENOMEM;
	for (size_t i = 0; i < d->nusers; i++) {
		if (b->us[i].visible && !b->us[i].reason)
			nu++;
		if (b->us[i].visible && b->us[i].reason)
			nx++;
	}
	for (size_t j = 0; j < d->ngroups; j++) {
		if (!b->gs[j].reason)
			ng++;
		else
			nx++;
	}
	m->users = calloc(nu + 1, sizeof(*m->users));
	m->groups = calloc(nu + ng + 1, sizeof(*m->groups));
	m->excluded = calloc(nx + 1, sizeof(*m->excluded));
	names = calloc(nu + ng + 1, sizeof(*names));
	keys = calloc(d->ngroups + 1, sizeof(*keys));
	if (!m->users || !m->groups || !m->excluded || !names || !keys) {
		free(names);
		free(keys);
		free(user_model);
		return -ENOMEM;
	}
	/* Order: sort the Linux names (each is unique by now), then place by bsearch. */
	size_t nn = 0;
	for (size_t i = 0; i < d->nusers; i++)
		if (b->us[i].visible && !b->us[i].reason)
			names[nn++] = b->us[i].name;
	qsort(names, nn, sizeof(*names), cmp_str_ptr);
	for (size_t i = 0; i < d->nusers; i++) {
		const struct iam_user *u = &d->users[i];
		struct ustate *s = &b->us[i];
		char *key = s->name, **pos;
		struct dir_user *du;

		if (!s->visible || s->reason)
			continue;
		pos = bsearch(&key, names, nn, sizeof(*names), cmp_str_ptr);
		user_model[i] = (size_t)(pos - names);
		du = &m->users[user_model[i]];
		{
			const char *base = b->cfg->home_base ? b->cfg->home_base : "/home";
			size_t bl = strlen(base);

			/* home_base "/" or "/srv/home/" must not give "//name" */
			snprintf(home, sizeof(home), "%.*s/%s",
				 (int)(bl > 0 && base[bl - 1] == '/' ? bl - 1 : bl), base, s->name);
		}
		du->name = dup_or_fail(b, s->name);
		du->uid = du->gid = s->uid;
		du->gecos = dup_or_fail(b, s->gecos);
		du->home = dup_or_fail(b, home);
		du->shell = dup_or_fail(b, s->shell);
		du->iam_name = dup_or_fail(b, u->name);
		du->iam_id = dup_or_fail(b, u->id);
		du->iam_arn = dup_or_fail(b, u->arn);
		if (!m->account[0] && u->arn)
			account_from_arn(u->arn, m->account);
	}
	m->nusers = nu;
	if (b->err)
		goto done;
	/* groups: user private groups + IAM groups, by name */
	nn = 0;
	for (size_t i = 0; i < m->nusers; i++)
		names[nn++] = m->users[i].name;
	for (size_t j = 0; j < d->ngroups; j++)
		if (!b->gs[j].reason)
			names[nn++] = b->gs[j].name;
	qsort(names, nn, sizeof(*names), cmp_str_ptr);
	for (size_t i = 0; i < m->nusers; i++) {
		char *key = m->users[i].name;
		struct dir_group *g =
		    &m->groups[(char **)bsearch(&key, names, nn, sizeof(*names), cmp_str_ptr) -
			       names];

		g->name = dup_or_fail(b, key);
		g->gid = m->users[i].uid;
		g->iam_name = dup_or_fail(b, m->users[i].iam_name);
		g->iam_id = dup_or_fail(b, m->users[i].iam_id);
		g->iam_arn = dup_or_fail(b, m->users[i].iam_arn);
		g->user_private = true;
	}
	size_t nk = 0;
	for (size_t j = 0; j < d->ngroups; j++) {
		char *key = b->gs[j].name;
		struct dir_group *g;

		if (b->gs[j].reason)
			continue;
		b->gs[j].model_idx =
		    (size_t)((char **)bsearch(&key, names, nn, sizeof(*names), cmp_str_ptr) -
			     names);
		g = &m->groups[b->gs[j].model_idx];
		g->name = dup_or_fail(b, key);
		g->gid = b->gs[j].gid;
		g->merged = b->gs[j].merged;
		g->iam_name = dup_or_fail(b, d->groups[j].name);
		g->iam_id = dup_or_fail(b, d->groups[j].id);
		g->iam_arn = dup_or_fail(b, d->groups[j].arn);
		keys[nk++] = (struct group_key){d->groups[j].name, j};
	}
	m->ngroups = nn;
	if (b->err)
		goto done;
	qsort(keys, nk, sizeof(*keys), cmp_group_key);
	/* memberships: per user (supplementary groups), then per group (members) */
	for (size_t i = 0; i < d->nusers && !b->err; i++) {
		const struct iam_user *u = &d->users[i];
		struct dir_user *du;

		if (!b->us[i].visible || b->us[i].reason)
			continue;
		du = &m->users[user_model[i]];
		du->group_idx = calloc(u->ngroups + 1, sizeof(*du->group_idx));
		if (!du->group_idx) {
			b->err = -ENOMEM;
			break;
		}
		for (size_t k = 0; k < u->ngroups; k++) {
			struct group_key want = {u->groups[k], 0}, *hit;
			uint32_t gi;
			bool dup = false;

			if (!u->groups[k])
				continue;
			hit = bsearch(&want, keys, nk, sizeof(*keys), cmp_group_key);
			if (!hit)
				continue; /* excluded group, or not in the directory */
			gi = (uint32_t)b->gs[hit->j].model_idx;
			for (size_t x = 0; x < du->ngroups; x++)
				dup = dup || du->group_idx[x] == gi;
			if (!dup) {
				du->group_idx[du->ngroups++] = gi;
				m->groups[gi].nmembers++;
			}
		}
	}
	for (size_t g = 0; g < m->ngroups && !b->err; g++) {
		if (m->groups[g].nmembers == 0)
			continue;
		m->groups[g].member_idx = calloc(m->groups[g].nmembers, sizeof(uint32_t));
		if (!m->groups[g].member_idx)
			b->err = -ENOMEM;
		m->groups[g].nmembers = 0;
	}
	for (size_t i = 0; i < m->nusers && !b->err; i++)
		for (size_t k = 0; k < m->users[i].ngroups; k++) {
			struct dir_group *g = &m->groups[m->users[i].group_idx[k]];

			g->member_idx[g->nmembers++] = (uint32_t)i;
		}
	/* excluded: users then groups, in directory order */
	for (size_t i = 0; i < d->nusers; i++) {
		if (!b->us[i].visible || !b->us[i].reason)
			continue;
		m->excluded[m->nexcluded].kind = dup_or_fail(b, "user");
		m->excluded[m->nexcluded].iam_name = dup_or_fail(b, d->users[i].name);
		m->excluded[m->nexcluded].iam_id = dup_or_fail(b, d->users[i].id);
		m->excluded[m->nexcluded].local_collision = b->us[i].local_collision;
		m->excluded[m->nexcluded++].reason = dup_or_fail(b, b->us[i].reason);
	}
	for (size_t j = 0; j < d->ngroups; j++) {
		if (!b->gs[j].reason)
			continue;
		m->excluded[m->nexcluded].kind = dup_or_fail(b, "group");
		m->excluded[m->nexcluded].iam_name = dup_or_fail(b, d->groups[j].name);
		m->excluded[m->nexcluded++].reason = dup_or_fail(b, b->gs[j].reason);
	}
done:
	free(names);
	free(keys);
	free(user_model);
	return b->err;
}

static int build_model(const struct iam_config *cfg, const struct iam_directory *d,
		       const struct local_db *local, int64_t now, struct dir_model *out,
		       struct dir_warnings *warnings)
{
	struct build b = {.cfg = cfg, .d = d, .local = local, .warn = warnings};
	int r;

	memset(out, 0, sizeof(*out));
	out->created = now;
	b.us = calloc(d->nusers + 1, sizeof(*b.us));
	b.gs = calloc(d->ngroups + 1, sizeof(*b.gs));
	if (!b.us || !b.gs) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < d->nusers; i++)
		if (!d->users[i].name || !d->users[i].id) {
			r = -EINVAL;
			goto out;
		}
	for (size_t j = 0; j < d->ngroups; j++)
		if (!d->groups[j].name || !d->groups[j].id) {
			r = -EINVAL;
			goto out;
		}
	map_names(&b);
	r = assign_ids(&b);
	if (r == 0)
		r = name_collisions(&b);
	if (r == 0) {
		local_collisions(&b);
		visibility_and_tags(&b);
		r = b.err ? b.err : assemble(&b, out);
	}
out:
	for (size_t i = 0; b.us && i < d->nusers; i++)
		free(b.us[i].reason);
	for (size_t j = 0; b.gs && j < d->ngroups; j++)
		free(b.gs[j].reason);
	free(b.us);
	free(b.gs);
	if (r < 0)
		dirmodel_free(out);
	return r;
}

int dirbuild_run(const struct iam_config *cfg, const struct iam_directory *d,
		 const struct local_db *local, int64_t now, struct dir_model *out,
		 struct dir_warnings *warnings)
{
	struct iam_directory view;
	int r;

	if (!cfg->users_group || !cfg->users_group[0])
		return build_model(cfg, d, local, now, out, warnings);
	for (size_t j = 0; j < d->ngroups; j++)
		if (!d->groups[j].id || users_group_is(&d->groups[j]))
			return -EINVAL; /* IAM never sends it: someone built this by hand */
	r = users_group_view(d, &view);
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	r = build_model(cfg, &view, local, now, out, warnings);
	users_group_view_free(&view);
	return r;
}
