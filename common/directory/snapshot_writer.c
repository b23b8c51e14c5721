/*
 * Snapshot writer: lays out a dir_model in the format of snapshot_format.h in
 * memory, then replaces dir/directory atomically. The model is checked first
 * (indexes in range, names present, no duplicate name or id) so a reader never
 * meets an ambiguous index built by us.
 */
#include "config/config.h"
#include "base/file.h"
#include "directory/snapshot_writer.h"
#include "snapshot/snapshot_reader.h"
#include "snapshot/snapshot_format.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The string table, with identical strings stored once (a user and its private
 * group share name, IAM name, id and ARN; most users share a shell). */
struct strtab {
	char *data;
	size_t len, cap;
	uint32_t *set; /* open addressing: offset + 1, 0 = empty */
	size_t set_slots, set_used;
};

static uint32_t *strtab_find(struct strtab *t, const char *s)
{
	size_t mask = t->set_slots - 1, i = snapfmt_hash_name(s) & mask;

	while (t->set[i] && strcmp(t->data + t->set[i] - 1, s) != 0)
		i = (i + 1) & mask;
	return &t->set[i];
}

static int strtab_grow_set(struct strtab *t)
{
	uint32_t *old = t->set;
	size_t n = t->set_slots, i;

	t->set_slots = n ? 2 * n : 1024;
	t->set = calloc(t->set_slots, sizeof(*t->set));
	if (!t->set) {
		t->set = old;
		t->set_slots = n;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (old[i])
			*strtab_find(t, t->data + old[i] - 1) = old[i];
	free(old);
	return 0;
}

static int strtab_add(struct strtab *t, const char *s, uint32_t *off)
{
	uint32_t *slot;
	size_t n;

	if (!s || !*s) {
		*off = 0; /* the table starts with "" */
		return 0;
	}
	if (2 * (t->set_used + 1) > t->set_slots && strtab_grow_set(t) < 0)
		return -ENOMEM;
	slot = strtab_find(t, s);
	if (*slot) {
		*off = *slot - 1;
		return 0;
	}
	n = strlen(s) + 1;
	if (t->len + n > SNAPFMT_MAX_FILE)
		return -EFBIG;
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *d;
		while (cap < t->len + n)
			cap *= 2;
		d = realloc(t->data, cap);
		if (!d)
			return -ENOMEM;
		t->data = d;
		t->cap = cap;
	}
	memcpy(t->data + t->len, s, n);
	*off = (uint32_t)t->len;
	*slot = *off + 1;
	t->set_used++;
	t->len += n;
	return 0;
}

static uint32_t slots_for(size_t count)
{
	uint32_t slots = 8;

	while (slots < 2 * count)
		slots *= 2;
	return slots;
}

static size_t align8(size_t v)
{
	return (v + 7) & ~(size_t)7;
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

/* Insert idx under hash; same_key() detects a duplicate (-EEXIST). */
typedef bool (*same_fn)(const struct dir_model *m, uint32_t a, uint32_t b);

static int index_insert(uint8_t *table, uint32_t slots, uint32_t hash, uint32_t idx,
			const struct dir_model *m, same_fn same)
{
	uint32_t i, mask = slots - 1;

	for (i = 0; i < slots; i++) {
		uint8_t *slot = table + 4 * (size_t)((hash + i) & mask);
		uint32_t v = get32(slot);
		if (v == 0) {
			put32(slot, idx + 1);
			return 0;
		}
		if (same(m, v - 1, idx))
			return -EEXIST;
	}
	return -ENOSPC; /* cannot happen: slots > count */
}

static bool same_user_name(const struct dir_model *m, uint32_t a, uint32_t b)
{
	return strcmp(m->users[a].name, m->users[b].name) == 0;
}

static bool same_uid(const struct dir_model *m, uint32_t a, uint32_t b)
{
	return m->users[a].uid == m->users[b].uid;
}

static bool same_group_name(const struct dir_model *m, uint32_t a, uint32_t b)
{
	return strcmp(m->groups[a].name, m->groups[b].name) == 0;
}

static bool same_gid(const struct dir_model *m, uint32_t a, uint32_t b)
{
	return m->groups[a].gid == m->groups[b].gid;
}

/* A passwd/group field must not break the colon/newline file format that
 * getent and every parser of its output rely on (extra: ',' in group names). */
static bool field_ok(const char *s, const char *extra)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == ':' || strchr(extra, *s))
			return false;
	return true;
}

static int check_model(const struct dir_model *m, size_t *n_ug, size_t *n_gm)
{
	size_t i, j;

	*n_ug = *n_gm = 0;
	if (m->nusers > SNAPFMT_MAX_RECORDS || m->ngroups > SNAPFMT_MAX_RECORDS ||
	    m->nexcluded > SNAPFMT_MAX_RECORDS)
		return -EFBIG;
	for (i = 0; i < m->nusers; i++) {
		const struct dir_user *u = &m->users[i];
		if (!u->name || !*u->name || u->ngroups > SNAPFMT_MAX_RECORDS ||
		    !field_ok(u->name, ",") || !field_ok(u->gecos, "") || !field_ok(u->home, "") ||
		    !field_ok(u->shell, ""))
			return -EINVAL;
		for (j = 0; j < u->ngroups; j++)
			if (u->group_idx[j] >= m->ngroups)
				return -EINVAL;
		*n_ug += u->ngroups;
	}
	for (i = 0; i < m->ngroups; i++) {
		const struct dir_group *g = &m->groups[i];
		if (!g->name || !*g->name || g->nmembers > SNAPFMT_MAX_RECORDS ||
		    !field_ok(g->name, ","))
			return -EINVAL;
		for (j = 0; j < g->nmembers; j++)
			if (g->member_idx[j] >= m->nusers)
				return -EINVAL;
		*n_gm += g->nmembers;
	}
	if (*n_ug > SNAPFMT_MAX_FILE / 4 || *n_gm > SNAPFMT_MAX_FILE / 4)
		return -EFBIG;
	return 0;
}

static int build_strings(const struct dir_model *m, struct strtab *t, uint8_t *users,
			 uint8_t *groups, uint8_t *excl, size_t *n_ug_pos, size_t *n_gm_pos)
{
	size_t i, ug = 0, gm = 0;
	int r = 0;

	for (i = 0; i < m->nusers && r == 0; i++) {
		const struct dir_user *u = &m->users[i];
		uint32_t f[12] = {u->uid, u->gid};
		r = strtab_add(t, u->name, &f[2]);
		r = r ?: strtab_add(t, u->gecos, &f[3]);
		r = r ?: strtab_add(t, u->home, &f[4]);
		r = r ?: strtab_add(t, u->shell, &f[5]);
		r = r ?: strtab_add(t, u->iam_name, &f[6]);
		r = r ?: strtab_add(t, u->iam_id, &f[7]);
		r = r ?: strtab_add(t, u->iam_arn, &f[8]);
		f[9] = (uint32_t)ug;
		f[10] = (uint32_t)u->ngroups;
		ug += u->ngroups;
		for (size_t k = 0; k < 12; k++)
			put32(users + i * sizeof(struct snapfmt_user) + 4 * k, f[k]);
	}
	for (i = 0; i < m->ngroups && r == 0; i++) {
		const struct dir_group *g = &m->groups[i];
		uint32_t f[8] = {g->gid, (g->user_private ? SNAPFMT_USER_PRIVATE : 0) |
					     (g->merged ? SNAPFMT_MERGED : 0)};
		r = strtab_add(t, g->name, &f[2]);
		r = r ?: strtab_add(t, g->iam_name, &f[3]);
		r = r ?: strtab_add(t, g->iam_id, &f[4]);
		r = r ?: strtab_add(t, g->iam_arn, &f[5]);
		f[6] = (uint32_t)gm;
		f[7] = (uint32_t)g->nmembers;
		gm += g->nmembers;
		for (size_t k = 0; k < 8; k++)
			put32(groups + i * sizeof(struct snapfmt_group) + 4 * k, f[k]);
	}
	for (i = 0; i < m->nexcluded && r == 0; i++) {
		const struct dir_excluded *e = &m->excluded[i];
		uint32_t f[3];
		r = strtab_add(t, e->kind, &f[0]);
		r = r ?: strtab_add(t, e->iam_name, &f[1]);
		r = r ?: strtab_add(t, e->reason, &f[2]);
		for (size_t k = 0; k < 3; k++)
			put32(excl + i * sizeof(struct snapfmt_excluded) + 4 * k, f[k]);
	}
	*n_ug_pos = ug;
	*n_gm_pos = gm;
	return r;
}

/* Build the complete file image of m with the given generation. */
static int snapshot_build(const struct dir_model *m, uint64_t generation, uint8_t **out,
			  size_t *out_len)
{
	struct strtab t = {0};
	uint8_t *users = NULL, *groups = NULL, *excl = NULL, *img = NULL;
	size_t n_ug, n_gm, size[SNAPFMT_NSECTIONS], off[SNAPFMT_NSECTIONS], pos, i, j;
	uint32_t uslots = slots_for(m->nusers), gslots = slots_for(m->ngroups);
	struct snapfmt_header h;
	uint8_t *sec;
	int r;

	r = check_model(m, &n_ug, &n_gm);
	if (r < 0)
		return r;
	users = calloc(m->nusers + 1, sizeof(struct snapfmt_user));
	groups = calloc(m->ngroups + 1, sizeof(struct snapfmt_group));
	excl = calloc(m->nexcluded + 1, sizeof(struct snapfmt_excluded));
	t.data = calloc(1, t.cap = 4096);
	t.len = 1; /* offset 0 is "" */
	r = (!users || !groups || !excl || !t.data)
		? -ENOMEM
		: build_strings(m, &t, users, groups, excl, &n_ug, &n_gm);
	if (r < 0)
		goto out;

	size[SNAPFMT_SEC_STRINGS] = t.len;
	size[SNAPFMT_SEC_USERS] = m->nusers * sizeof(struct snapfmt_user);
	size[SNAPFMT_SEC_GROUPS] = m->ngroups * sizeof(struct snapfmt_group);
	size[SNAPFMT_SEC_USER_BYNAME] = size[SNAPFMT_SEC_USER_BYID] = (size_t)uslots * 4;
	size[SNAPFMT_SEC_GROUP_BYNAME] = size[SNAPFMT_SEC_GROUP_BYID] = (size_t)gslots * 4;
	size[SNAPFMT_SEC_USER_GROUPS] = n_ug * 4;
	size[SNAPFMT_SEC_GROUP_MEMBERS] = n_gm * 4;
	size[SNAPFMT_SEC_EXCLUDED] = m->nexcluded * sizeof(struct snapfmt_excluded);
	pos = sizeof(h);
	for (i = 0; i < SNAPFMT_NSECTIONS; i++) {
		pos = align8(pos);
		off[i] = pos;
		pos += size[i];
	}
	if (pos > SNAPFMT_MAX_FILE) {
		r = -EFBIG;
		goto out;
	}
	img = calloc(1, pos);
	if (!img) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(img + off[SNAPFMT_SEC_STRINGS], t.data, t.len);
	memcpy(img + off[SNAPFMT_SEC_USERS], users, size[SNAPFMT_SEC_USERS]);
	memcpy(img + off[SNAPFMT_SEC_GROUPS], groups, size[SNAPFMT_SEC_GROUPS]);
	memcpy(img + off[SNAPFMT_SEC_EXCLUDED], excl, size[SNAPFMT_SEC_EXCLUDED]);

	sec = img + off[SNAPFMT_SEC_USER_GROUPS];
	for (i = 0; i < m->nusers; i++)
		for (j = 0; j < m->users[i].ngroups; j++, sec += 4)
			put32(sec, m->users[i].group_idx[j]);
	sec = img + off[SNAPFMT_SEC_GROUP_MEMBERS];
	for (i = 0; i < m->ngroups; i++)
		for (j = 0; j < m->groups[i].nmembers; j++, sec += 4)
			put32(sec, m->groups[i].member_idx[j]);

	for (i = 0; i < m->nusers && r == 0; i++) {
		r = index_insert(img + off[SNAPFMT_SEC_USER_BYNAME], uslots,
				 snapfmt_hash_name(m->users[i].name), (uint32_t)i, m,
				 same_user_name);
		r = r
			?: index_insert(img + off[SNAPFMT_SEC_USER_BYID], uslots,
					snapfmt_hash_id(m->users[i].uid), (uint32_t)i, m, same_uid);
	}
	for (i = 0; i < m->ngroups && r == 0; i++) {
		r = index_insert(img + off[SNAPFMT_SEC_GROUP_BYNAME], gslots,
				 snapfmt_hash_name(m->groups[i].name), (uint32_t)i, m,
				 same_group_name);
		r = r
			?: index_insert(img + off[SNAPFMT_SEC_GROUP_BYID], gslots,
					snapfmt_hash_id(m->groups[i].gid), (uint32_t)i, m,
					same_gid);
	}
	if (r < 0)
		goto out;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SNAPFMT_MAGIC, 8);
	h.version = htole32(SNAPFMT_VERSION);
	h.header_size = htole32(sizeof(h));
	h.file_size = htole64(pos);
	h.generation = htole64(generation);
	h.created = (int64_t)htole64((uint64_t)m->created);
	memcpy(h.account, m->account, sizeof(h.account));
	h.account[sizeof(h.account) - 1] = '\0';
	h.nusers = htole32((uint32_t)m->nusers);
	h.ngroups = htole32((uint32_t)m->ngroups);
	h.nexcluded = htole32((uint32_t)m->nexcluded);
	h.user_slots = htole32(uslots);
	h.group_slots = htole32(gslots);
	for (i = 0; i < SNAPFMT_NSECTIONS; i++) {
		h.sections[i].offset = htole32((uint32_t)off[i]);
		h.sections[i].size = htole32((uint32_t)size[i]);
	}
	memcpy(img, &h, sizeof(h));
	h.checksum = htole64(snapfmt_checksum(img, pos));
	memcpy(img + SNAPFMT_CHECKSUM_OFFSET, &h.checksum, 8);
	*out = img;
	*out_len = pos;
	img = NULL;
out:
	free(img);
	free(users);
	free(groups);
	free(excl);
	free(t.data);
	free(t.set);
	return r == -EEXIST ? -EINVAL : r;
}

int snapshot_write_generation(const char *dir, const struct dir_model *m, uint64_t gen)
{
	uint8_t *img;
	size_t len;
	int r;

	r = snapshot_build(m, gen, &img, &len);
	if (r < 0)
		return r;
	r = file_write_atomic(dir, IAM_SNAPSHOT_NAME, img, len, 0644, (uid_t)-1, (gid_t)-1);
	free(img);
	return r;
}

int snapshot_write(const char *dir, const struct dir_model *m, uint64_t *generation_out)
{
	char path[PATH_MAX];
	struct snap *old;
	uint64_t gen = 1;
	uint8_t *img;
	size_t len;
	int r;

	if (snprintf(path, sizeof(path), "%s/%s", dir, IAM_SNAPSHOT_NAME) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (snap_open(path, &old) == 0) {
		struct snap_info info;
		snap_get_info(old, &info);
		gen = info.generation + 1;
		snap_close(old);
	}
	r = snapshot_build(m, gen, &img, &len);
	if (r < 0)
		return r;
	r = file_write_atomic(dir, IAM_SNAPSHOT_NAME, img, len, 0644, (uid_t)-1, (gid_t)-1);
	free(img);
	if (r == 0 && generation_out)
		*generation_out = gen;
	return r;
}
