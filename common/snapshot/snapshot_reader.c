/*
 * Snapshot reader: libc only (it is linked alone into libnss_iam.so.2).
 * snap_open() validates the header and that every section lies inside the
 * file with the exact size its counts imply: O(1), whatever the directory's
 * size. Records are checked when they are read (string offsets inside the
 * string table, list ranges inside their arrays, indexes below their counts),
 * so a hostile or torn file yields -EBADMSG or -ENOENT, never a wild read.
 * The whole-file checksum is verified once, by the install step that wrote the
 * file (snap_open_verified): readers only open root's file, and root's install
 * checked every record and the checksum (or, in fleet mode, the signature)
 * before the rename. Checksumming it again in every process cost half of a
 * fresh lookup at 5,000 users and grew with the directory (issue 15).
 */
#include "snapshot/snapshot_reader.h"
#include "snapshot/snapshot_format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct snap {
	const uint8_t *base;
	size_t size;
	/* identity of the mapped file, for snap_is_stale */
	dev_t dev;
	ino_t ino;
	off_t fsize;
	struct timespec mtime;

	uint64_t generation;
	int64_t created;
	char account[16];
	uint32_t nusers, ngroups, nexcluded;
	uint32_t user_slots, group_slots;

	const char *strings;
	uint32_t strings_size;
	const uint8_t *users, *groups, *excluded;
	const uint8_t *user_byname, *user_byid, *group_byname, *group_byid;
	const uint8_t *user_groups, *group_members;
	uint32_t n_user_groups, n_group_members; /* entries (u32) */
};

static uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static bool is_pow2(uint32_t v)
{
	return v && (v & (v - 1)) == 0;
}

static int check_header(struct snap *s, bool verify_checksum)
{
	struct snapfmt_header h;
	const struct snapfmt_section *sec = h.sections;
	uint64_t want[SNAPFMT_NSECTIONS];
	unsigned i;

	if (s->size < sizeof(h))
		return -EBADMSG;
	memcpy(&h, s->base, sizeof(h));
	if (memcmp(h.magic, SNAPFMT_MAGIC, 8) != 0 || le32toh(h.version) != SNAPFMT_VERSION ||
	    le32toh(h.header_size) != sizeof(h) || le64toh(h.file_size) != s->size)
		return -EBADMSG;
	if (verify_checksum && le64toh(h.checksum) != snapfmt_checksum(s->base, s->size))
		return -EBADMSG;

	s->generation = le64toh(h.generation);
	s->created = (int64_t)le64toh((uint64_t)h.created);
	memcpy(s->account, h.account, sizeof(s->account));
	s->account[sizeof(s->account) - 1] = '\0';
	s->nusers = le32toh(h.nusers);
	s->ngroups = le32toh(h.ngroups);
	s->nexcluded = le32toh(h.nexcluded);
	s->user_slots = le32toh(h.user_slots);
	s->group_slots = le32toh(h.group_slots);
	if (s->nusers > SNAPFMT_MAX_RECORDS || s->ngroups > SNAPFMT_MAX_RECORDS ||
	    s->nexcluded > SNAPFMT_MAX_RECORDS)
		return -EBADMSG;
	if (!is_pow2(s->user_slots) || !is_pow2(s->group_slots) ||
	    s->user_slots > SNAPFMT_MAX_SLOTS || s->group_slots > SNAPFMT_MAX_SLOTS ||
	    s->user_slots <= s->nusers || s->group_slots <= s->ngroups)
		return -EBADMSG;

	/* sizes implied by the counts; 0 = any multiple of 4 (lists), strings checked below */
	want[SNAPFMT_SEC_STRINGS] = 0;
	want[SNAPFMT_SEC_USERS] = (uint64_t)s->nusers * sizeof(struct snapfmt_user);
	want[SNAPFMT_SEC_GROUPS] = (uint64_t)s->ngroups * sizeof(struct snapfmt_group);
	want[SNAPFMT_SEC_USER_BYNAME] = (uint64_t)s->user_slots * 4;
	want[SNAPFMT_SEC_USER_BYID] = (uint64_t)s->user_slots * 4;
	want[SNAPFMT_SEC_GROUP_BYNAME] = (uint64_t)s->group_slots * 4;
	want[SNAPFMT_SEC_GROUP_BYID] = (uint64_t)s->group_slots * 4;
	want[SNAPFMT_SEC_USER_GROUPS] = 0;
	want[SNAPFMT_SEC_GROUP_MEMBERS] = 0;
	want[SNAPFMT_SEC_EXCLUDED] = (uint64_t)s->nexcluded * sizeof(struct snapfmt_excluded);

	for (i = 0; i < SNAPFMT_NSECTIONS; i++) {
		uint64_t off = le32toh(sec[i].offset), size = le32toh(sec[i].size);
		if (off < sizeof(h) || off % 8 != 0 || off + size > s->size)
			return -EBADMSG;
		if (i == SNAPFMT_SEC_USER_GROUPS || i == SNAPFMT_SEC_GROUP_MEMBERS) {
			if (size % 4 != 0)
				return -EBADMSG;
		} else if (i != SNAPFMT_SEC_STRINGS && size != want[i]) {
			return -EBADMSG;
		}
	}

	/* The string table must start with "" and end with NUL: then every offset
	 * below its size is a terminated string inside the table. */
	s->strings = (const char *)s->base + le32toh(sec[SNAPFMT_SEC_STRINGS].offset);
	s->strings_size = le32toh(sec[SNAPFMT_SEC_STRINGS].size);
	if (s->strings_size == 0 || s->strings[0] != '\0' ||
	    s->strings[s->strings_size - 1] != '\0')
		return -EBADMSG;

#define SEC(i) (s->base + le32toh(sec[i].offset))
	s->users = SEC(SNAPFMT_SEC_USERS);
	s->groups = SEC(SNAPFMT_SEC_GROUPS);
	s->user_byname = SEC(SNAPFMT_SEC_USER_BYNAME);
	s->user_byid = SEC(SNAPFMT_SEC_USER_BYID);
	s->group_byname = SEC(SNAPFMT_SEC_GROUP_BYNAME);
	s->group_byid = SEC(SNAPFMT_SEC_GROUP_BYID);
	s->user_groups = SEC(SNAPFMT_SEC_USER_GROUPS);
	s->group_members = SEC(SNAPFMT_SEC_GROUP_MEMBERS);
	s->excluded = SEC(SNAPFMT_SEC_EXCLUDED);
#undef SEC
	s->n_user_groups = le32toh(sec[SNAPFMT_SEC_USER_GROUPS].size) / 4;
	s->n_group_members = le32toh(sec[SNAPFMT_SEC_GROUP_MEMBERS].size) / 4;
	return 0;
}

static int open_snapshot(const char *path, bool verify_checksum, bool callers_own,
			 struct snap **out)
{
	struct snap *s;
	struct stat st;
	void *map;
	int fd, r;

	*out = NULL;
	/* O_NONBLOCK: a FIFO planted at the path must not hang every lookup */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	/* like sshd's StrictModes: whoever can write the snapshot decides uids and
	 * sudo groups, and can truncate it under every reader's mapping (SIGBUS).
	 * Only root installs it (iam-login install), after validating every record. */
	if (S_ISREG(st.st_mode) && ((st.st_uid != 0 && !(callers_own && st.st_uid == geteuid())) ||
				    (st.st_mode & (S_IWGRP | S_IWOTH)))) {
		close(fd);
		return -EPERM;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(struct snapfmt_header) ||
	    st.st_size > (off_t)SNAPFMT_MAX_FILE) {
		close(fd);
		return -EBADMSG;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	r = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s) {
		munmap(map, (size_t)st.st_size);
		return -ENOMEM;
	}
	s->base = map;
	s->size = (size_t)st.st_size;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->fsize = st.st_size;
	s->mtime = st.st_mtim;
	r = check_header(s, verify_checksum);
	if (r < 0) {
		snap_close(s);
		return r;
	}
	*out = s;
	return 0;
}

int snap_open(const char *path, struct snap **out)
{
	return open_snapshot(path, false, false, out);
}

int snap_open_verified(const char *path, struct snap **out)
{
	return open_snapshot(path, true, false, out);
}

int snap_open_own(const char *path, struct snap **out)
{
	return open_snapshot(path, true, true, out);
}

uint64_t snap_file_generation(const char *path)
{
	struct snap *s = NULL;
	struct snap_info info;

	if (snap_open(path, &s) < 0)
		return 0;
	snap_get_info(s, &info);
	snap_close(s);
	return info.generation;
}

void snap_close(struct snap *s)
{
	if (!s)
		return;
	munmap((void *)s->base, s->size);
	free(s);
}

bool snap_is_stale(const struct snap *s, const char *path)
{
	struct stat st;

	/* Only "gone" counts: a sandbox that forbids stat (EPERM, ENOSYS) must not
	 * make a process drop a good mapping. */
	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR;
	return st.st_dev != s->dev || st.st_ino != s->ino || st.st_size != s->fsize ||
	       st.st_mtim.tv_sec != s->mtime.tv_sec || st.st_mtim.tv_nsec != s->mtime.tv_nsec;
}

void snap_get_info(const struct snap *s, struct snap_info *out)
{
	memset(out, 0, sizeof(*out));
	out->generation = s->generation;
	out->created = s->created;
	memcpy(out->account, s->account, sizeof(out->account));
	out->nusers = s->nusers;
	out->ngroups = s->ngroups;
	out->nexcluded = s->nexcluded;
}

static const char *str_at(const struct snap *s, uint32_t off)
{
	return off < s->strings_size ? s->strings + off : NULL;
}

static void load_user(const struct snap *s, uint32_t idx, struct snapfmt_user *r)
{
	const uint8_t *p = s->users + (size_t)idx * sizeof(*r);
	uint32_t *f = (uint32_t *)r;
	size_t i;

	for (i = 0; i < sizeof(*r) / 4; i++)
		f[i] = load32(p + 4 * i);
}

static void load_group(const struct snap *s, uint32_t idx, struct snapfmt_group *r)
{
	const uint8_t *p = s->groups + (size_t)idx * sizeof(*r);
	uint32_t *f = (uint32_t *)r;
	size_t i;

	for (i = 0; i < sizeof(*r) / 4; i++)
		f[i] = load32(p + 4 * i);
}

static int fill_user(const struct snap *s, uint32_t idx, struct snap_user *out)
{
	struct snapfmt_user r;

	if (idx >= s->nusers)
		return -ENOENT;
	load_user(s, idx, &r);
	if ((uint64_t)r.groups_first + r.groups_count > s->n_user_groups)
		return -EBADMSG;
	out->idx = idx;
	out->uid = r.uid;
	out->gid = r.gid;
	out->ngroups = r.groups_count;
	out->name = str_at(s, r.name);
	out->gecos = str_at(s, r.gecos);
	out->home = str_at(s, r.home);
	out->shell = str_at(s, r.shell);
	out->iam_name = str_at(s, r.iam_name);
	out->iam_id = str_at(s, r.iam_id);
	out->iam_arn = str_at(s, r.iam_arn);
	if (!out->name || !out->gecos || !out->home || !out->shell || !out->iam_name ||
	    !out->iam_id || !out->iam_arn || !out->name[0])
		return -EBADMSG;
	return 0;
}

static int fill_group(const struct snap *s, uint32_t idx, struct snap_group *out)
{
	struct snapfmt_group r;

	if (idx >= s->ngroups)
		return -ENOENT;
	load_group(s, idx, &r);
	if ((uint64_t)r.members_first + r.members_count > s->n_group_members)
		return -EBADMSG;
	out->idx = idx;
	out->gid = r.gid;
	out->nmembers = r.members_count;
	out->user_private = (r.flags & SNAPFMT_USER_PRIVATE) != 0;
	out->merged = (r.flags & SNAPFMT_MERGED) != 0;
	out->name = str_at(s, r.name);
	out->iam_name = str_at(s, r.iam_name);
	out->iam_id = str_at(s, r.iam_id);
	out->iam_arn = str_at(s, r.iam_arn);
	if (!out->name || !out->iam_name || !out->iam_id || !out->iam_arn || !out->name[0])
		return -EBADMSG;
	return 0;
}

/*
 * Probe an index: at most `slots` probes, stop at an empty slot. match()
 * decides whether record idx carries the key. A slot pointing past the record
 * array is damage; a record that doesn't match is skipped (collision or lie).
 */
typedef bool (*match_fn)(const struct snap *s, uint32_t idx, const void *key);

static int probe(const struct snap *s, const uint8_t *table, uint32_t slots, uint32_t count,
		 uint32_t hash, match_fn match, const void *key, uint32_t *idx_out)
{
	uint32_t mask = slots - 1, i;

	for (i = 0; i < slots; i++) {
		uint32_t v = load32(table + 4 * (size_t)((hash + i) & mask));
		if (v == 0)
			return -ENOENT;
		if (v - 1 >= count)
			return -EBADMSG;
		if (match(s, v - 1, key)) {
			*idx_out = v - 1;
			return 0;
		}
	}
	return -ENOENT;
}

static bool user_name_is(const struct snap *s, uint32_t idx, const void *key)
{
	const char *n = str_at(s, load32(s->users + (size_t)idx * sizeof(struct snapfmt_user) +
					 offsetof(struct snapfmt_user, name)));
	return n && strcmp(n, key) == 0;
}

static bool user_uid_is(const struct snap *s, uint32_t idx, const void *key)
{
	return load32(s->users + (size_t)idx * sizeof(struct snapfmt_user) +
		      offsetof(struct snapfmt_user, uid)) == *(const uint32_t *)key;
}

static bool group_name_is(const struct snap *s, uint32_t idx, const void *key)
{
	const char *n = str_at(s, load32(s->groups + (size_t)idx * sizeof(struct snapfmt_group) +
					 offsetof(struct snapfmt_group, name)));
	return n && strcmp(n, key) == 0;
}

static bool group_gid_is(const struct snap *s, uint32_t idx, const void *key)
{
	return load32(s->groups + (size_t)idx * sizeof(struct snapfmt_group) +
		      offsetof(struct snapfmt_group, gid)) == *(const uint32_t *)key;
}

int snap_user_by_name(const struct snap *s, const char *name, struct snap_user *out)
{
	uint32_t idx;
	int r = probe(s, s->user_byname, s->user_slots, s->nusers, snapfmt_hash_name(name),
		      user_name_is, name, &idx);
	return r < 0 ? r : fill_user(s, idx, out);
}

int snap_user_by_uid(const struct snap *s, uint32_t uid, struct snap_user *out)
{
	uint32_t idx;
	int r = probe(s, s->user_byid, s->user_slots, s->nusers, snapfmt_hash_id(uid), user_uid_is,
		      &uid, &idx);
	return r < 0 ? r : fill_user(s, idx, out);
}

int snap_user_at(const struct snap *s, uint32_t idx, struct snap_user *out)
{
	return fill_user(s, idx, out);
}

int snap_group_by_name(const struct snap *s, const char *name, struct snap_group *out)
{
	uint32_t idx;
	int r = probe(s, s->group_byname, s->group_slots, s->ngroups, snapfmt_hash_name(name),
		      group_name_is, name, &idx);
	return r < 0 ? r : fill_group(s, idx, out);
}

int snap_group_by_gid(const struct snap *s, uint32_t gid, struct snap_group *out)
{
	uint32_t idx;
	int r = probe(s, s->group_byid, s->group_slots, s->ngroups, snapfmt_hash_id(gid),
		      group_gid_is, &gid, &idx);
	return r < 0 ? r : fill_group(s, idx, out);
}

int snap_group_at(const struct snap *s, uint32_t idx, struct snap_group *out)
{
	return fill_group(s, idx, out);
}

int snap_user_group_at(const struct snap *s, const struct snap_user *u, uint32_t i,
		       struct snap_group *out)
{
	struct snapfmt_user r;
	uint32_t gi;

	if (u->idx >= s->nusers)
		return -ENOENT;
	load_user(s, u->idx, &r);
	if (i >= r.groups_count)
		return -ENOENT;
	if ((uint64_t)r.groups_first + r.groups_count > s->n_user_groups)
		return -EBADMSG;
	gi = load32(s->user_groups + 4 * ((size_t)r.groups_first + i));
	if (gi >= s->ngroups)
		return -EBADMSG;
	return fill_group(s, gi, out);
}

int snap_group_member_at(const struct snap *s, const struct snap_group *g, uint32_t i,
			 struct snap_user *out)
{
	struct snapfmt_group r;
	uint32_t ui;

	if (g->idx >= s->ngroups)
		return -ENOENT;
	load_group(s, g->idx, &r);
	if (i >= r.members_count)
		return -ENOENT;
	if ((uint64_t)r.members_first + r.members_count > s->n_group_members)
		return -EBADMSG;
	ui = load32(s->group_members + 4 * ((size_t)r.members_first + i));
	if (ui >= s->nusers)
		return -EBADMSG;
	return fill_user(s, ui, out);
}

const char *snap_group_member_name(const struct snap *s, const struct snap_group *g, uint32_t i)
{
	const uint8_t *rec;
	uint32_t first, count, ui;
	const char *name;

	if (g->idx >= s->ngroups)
		return NULL;
	rec = s->groups + (size_t)g->idx * sizeof(struct snapfmt_group);
	first = load32(rec + offsetof(struct snapfmt_group, members_first));
	count = load32(rec + offsetof(struct snapfmt_group, members_count));
	if (i >= count || (uint64_t)first + count > s->n_group_members)
		return NULL;
	ui = load32(s->group_members + 4 * ((size_t)first + i));
	if (ui >= s->nusers)
		return NULL;
	name = str_at(s, load32(s->users + (size_t)ui * sizeof(struct snapfmt_user) +
				offsetof(struct snapfmt_user, name)));
	return name && *name ? name : NULL;
}

int snap_group_member_names(const struct snap *s, const struct snap_group *g, const char **names,
			    uint32_t max)
{
	const uint8_t *rec, *list;
	uint32_t first, count, i;

	if (g->idx >= s->ngroups)
		return -ENOENT;
	rec = s->groups + (size_t)g->idx * sizeof(struct snapfmt_group);
	first = load32(rec + offsetof(struct snapfmt_group, members_first));
	count = load32(rec + offsetof(struct snapfmt_group, members_count));
	if ((uint64_t)first + count > s->n_group_members)
		return -EBADMSG;
	if (count > max)
		count = max;
	list = s->group_members + 4 * (size_t)first;
	for (i = 0; i < count; i++) {
		uint32_t ui = load32(list + 4 * (size_t)i);
		const char *name;
		if (ui >= s->nusers)
			return -EBADMSG;
		name = str_at(s, load32(s->users + (size_t)ui * sizeof(struct snapfmt_user) +
					offsetof(struct snapfmt_user, name)));
		if (!name || !*name)
			return -EBADMSG;
		names[i] = name;
	}
	return (int)count;
}

int snap_excluded_at(const struct snap *s, uint32_t i, struct snap_excluded *out)
{
	const uint8_t *p;

	if (i >= s->nexcluded)
		return -ENOENT;
	p = s->excluded + (size_t)i * sizeof(struct snapfmt_excluded);
	out->kind = str_at(s, load32(p));
	out->iam_name = str_at(s, load32(p + 4));
	out->reason = str_at(s, load32(p + 8));
	if (!out->kind || !out->iam_name || !out->reason)
		return -EBADMSG;
	return 0;
}

bool snap_user_in_groups(const struct snap *s, const struct snap_user *u, const char *const *groups,
			 size_t n)
{
	struct snap_group g;

	for (uint32_t i = 0; i < u->ngroups; i++) {
		if (snap_user_group_at(s, u, i, &g) < 0)
			continue;
		for (size_t j = 0; j < n; j++)
			if ((g.iam_name && strcasecmp(g.iam_name, groups[j]) == 0) ||
			    (g.name && strcmp(g.name, groups[j]) == 0))
				return true;
	}
	return false;
}

bool snap_user_in_iam_group(const struct snap *s, const struct snap_user *u, const char *iam_group)
{
	struct snap_group g;
	uint32_t i;

	for (i = 0; i < u->ngroups; i++) {
		if (snap_user_group_at(s, u, i, &g) < 0)
			continue;
		if (strcasecmp(g.iam_name, iam_group) == 0)
			return true;
	}
	return false;
}
