/*
 * Damaged and hostile snapshots: every one must be rejected at open or give
 * -ENOENT/-EBADMSG from the accessors; none may crash or hang (SIGALRM fails
 * the test). Many cases recompute the checksum so the validation behind it is
 * what gets exercised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "config/config.h"
#include "directory/dirmodel.h"
#include "directory/snapshot_writer.h"
#include "snapshot/snapshot_reader.h"
#include "snapshot/snapshot_format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

static char tmpdir[200];
static char path[256];
static uint8_t *base_img;
static size_t base_len;
static unsigned long opened_ok, rejected;

static uint32_t *idx_list(size_t n, const uint32_t *v)
{
	uint32_t *p = calloc(n ? n : 1, sizeof(*p));
	memcpy(p, v, n * sizeof(*p));
	return p;
}

static char *sdup(const char *s)
{
	return strdup(s);
}

static void make_small_model(struct dir_model *m)
{
	static const uint32_t ag[] = {0, 1}, bg[] = {1}, am[] = {0}, dm[] = {0, 1};

	memset(m, 0, sizeof(*m));
	strcpy(m->account, "123456789012");
	m->nusers = 2;
	m->users = calloc(2, sizeof(*m->users));
	m->users[0] = (struct dir_user){sdup("alice"),
					200001,
					200001,
					sdup("A"),
					sdup("/home/alice"),
					sdup("/bin/bash"),
					sdup("Alice"),
					sdup("AIDA1"),
					sdup("arn:a"),
					idx_list(2, ag),
					2};
	m->users[1] = (struct dir_user){sdup("bob"),
					200002,
					300002,
					sdup("B"),
					sdup("/home/bob"),
					sdup("/bin/sh"),
					sdup("Bob"),
					sdup("AIDA2"),
					sdup("arn:b"),
					idx_list(1, bg),
					1};
	m->ngroups = 3;
	m->groups = calloc(3, sizeof(*m->groups));
	m->groups[0] = (struct dir_group){sdup("admins"), 300001, sdup("Admins"),  sdup("AGPA1"),
					  sdup("arn:g1"), false,  idx_list(1, am), 1,
					  false};
	m->groups[1] = (struct dir_group){sdup("devs"),	  300002, sdup("Devs"),	   sdup("AGPA2"),
					  sdup("arn:g2"), false,  idx_list(2, dm), 2,
					  false};
	m->groups[2] = (struct dir_group){sdup("alice"), 200001, sdup("Alice"), sdup("AIDA1"),
					  sdup("arn:a"), true,	 NULL,		0,
					  false};
	m->nexcluded = 1;
	m->excluded = calloc(1, sizeof(*m->excluded));
	m->excluded[0] =
	    (struct dir_excluded){sdup("user"), sdup("root"), sdup("local"), NULL, false};
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

static void fix_checksum(uint8_t *img, size_t len)
{
	uint64_t c;

	if (len < SNAPFMT_CHECKSUM_OFFSET + 8)
		return;
	c = htole64(snapfmt_checksum(img, len));
	memcpy(img + SNAPFMT_CHECKSUM_OFFSET, &c, 8);
}

static void write_img(const uint8_t *img, size_t len)
{
	char tmp[300];

	/* a new inode each time, like the real writer (rename over) */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	tu_write_file(tmp, img, len, 0644);
	assert_int_equal(rename(tmp, path), 0);
}

static void check_rc(int r)
{
	assert_true(r == 0 || r == -ENOENT || r == -EBADMSG);
}

static void touch_all(struct snap *s);

/*
 * Open img as the install step does (checksum verified) and as every reader
 * does (O(1), no checksum), touching everything an NSS module or tool would
 * through the reader's open: structural checks alone must keep any image,
 * checksum right or wrong, from crashing or reading out of bounds. Returns
 * the verified open's result.
 */
static int exercise(const uint8_t *img, size_t len)
{
	struct snap *s;
	int r, fast;

	write_img(img, len);
	fast = snap_open(path, &s);
	if (fast < 0) {
		assert_int_equal(fast, -EBADMSG);
		assert_null(s);
	} else {
		touch_all(s);
	}
	r = snap_open_verified(path, &s);
	if (r < 0) {
		assert_int_equal(r, -EBADMSG);
		assert_null(s);
		rejected++;
		return r;
	}
	/* a file the checksum accepts passes the structural checks too */
	assert_int_equal(fast, 0);
	opened_ok++;
	snap_close(s);
	return 0;
}

static void touch_all(struct snap *s)
{
	static const char *names[] = {"alice", "bob", "admins", "devs", "carol", "", "a"};
	struct snap_info info;
	struct snap_user u, m;
	struct snap_group g;
	struct snap_excluded e;
	uint32_t i, j;
	int r;

	snap_get_info(s, &info);
	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		check_rc(snap_user_by_name(s, names[i], &u));
		check_rc(snap_group_by_name(s, names[i], &g));
	}
	for (i = 0; i < 4; i++) {
		check_rc(snap_user_by_uid(s, 200000 + i, &u));
		check_rc(snap_group_by_gid(s, 300000 + i, &g));
		check_rc(snap_group_by_gid(s, 200000 + i, &g));
	}
	/* bounded: at most the first 64 records even if counts are large */
	for (i = 0; i < info.nusers && i < 64; i++) {
		r = snap_user_at(s, i, &u);
		check_rc(r);
		if (r < 0)
			continue;
		assert_non_null(u.name);
		(void)strlen(u.name), (void)strlen(u.gecos), (void)strlen(u.home);
		(void)strlen(u.shell), (void)strlen(u.iam_arn);
		check_rc(snap_user_by_uid(s, u.uid, &m));
		for (j = 0; j < u.ngroups && j < 64; j++) {
			r = snap_user_group_at(s, &u, j, &g);
			check_rc(r);
			if (r == 0)
				(void)strlen(g.name);
		}
		(void)snap_user_in_iam_group(s, &u, "Devs");
	}
	for (i = 0; i < info.ngroups && i < 64; i++) {
		r = snap_group_at(s, i, &g);
		check_rc(r);
		if (r < 0)
			continue;
		(void)strlen(g.name), (void)strlen(g.iam_arn);
		check_rc(snap_group_by_gid(s, g.gid, &g));
		{
			const char *mnames[64];
			r = snap_group_member_names(s, &g, mnames, 64);
			assert_true(r == -EBADMSG || (r >= 0 && (uint32_t)r <= g.nmembers));
			for (j = 0; r > 0 && j < (uint32_t)r; j++)
				(void)strlen(mnames[j]);
		}
		for (j = 0; j < g.nmembers && j < 64; j++) {
			const char *mn = snap_group_member_name(s, &g, j);
			r = snap_group_member_at(s, &g, j, &m);
			check_rc(r);
			if (r == 0)
				(void)strlen(m.name);
			if (mn)
				(void)strlen(mn);
		}
	}
	for (i = 0; i < info.nexcluded && i < 64; i++) {
		r = snap_excluded_at(s, i, &e);
		check_rc(r);
		if (r == 0)
			(void)strlen(e.reason);
	}
	snap_close(s);
}

static int setup(void **state)
{
	struct dir_model m;

	(void)state;
	tu_mkdtemp(tmpdir, sizeof(tmpdir), "test_snapshot_hostile");
	snprintf(path, sizeof(path), "%s/%s", tmpdir, IAM_SNAPSHOT_NAME);
	make_small_model(&m);
	if (snapshot_write(tmpdir, &m, NULL) < 0)
		return -1;
	dirmodel_free(&m);
	base_img = (uint8_t *)tu_read_file(path, &base_len);
	alarm(600); /* a hang fails the run */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rm_tree(tmpdir);
	free(base_img);
	printf("# opened %lu damaged images, rejected %lu\n", opened_ok, rejected);
	return 0;
}

static uint8_t *copy_base(void)
{
	uint8_t *c = malloc(base_len);
	memcpy(c, base_img, base_len);
	return c;
}

static void test_base_is_valid(void **state)
{
	(void)state;
	assert_int_equal(exercise(base_img, base_len), 0);
}

static void test_zero_length_and_tiny(void **state)
{
	uint8_t z[200] = {0};
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(z); n++)
		assert_int_equal(exercise(z, n), -EBADMSG);
	memcpy(z, SNAPFMT_MAGIC, 8);
	for (n = 0; n < sizeof(z); n++)
		assert_int_equal(exercise(z, n), -EBADMSG);
}

static void test_truncated_every_length(void **state)
{
	uint8_t *c = copy_base();
	size_t n;

	(void)state;
	for (n = 0; n < base_len; n++) {
		memcpy(c, base_img, base_len);
		assert_int_equal(exercise(c, n), -EBADMSG);
		/* and claim the truncated size is right: section bounds must catch it */
		if (n >= sizeof(struct snapfmt_header)) {
			uint64_t fs = htole64(n);
			memcpy(c + 16, &fs, 8);
			fix_checksum(c, n);
			assert_int_equal(exercise(c, n), -EBADMSG);
		}
	}
	free(c);
}

static void test_bit_flips_every_byte(void **state)
{
	uint8_t *c = copy_base();
	size_t i;
	int bit;

	(void)state;
	for (i = 0; i < base_len; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			memcpy(c, base_img, base_len);
			c[i] ^= (uint8_t)(1u << bit);
			/* the checksum catches every single flip... */
			assert_int_equal(exercise(c, base_len), -EBADMSG);
			/* ...and with the checksum made right, the rest must hold */
			fix_checksum(c, base_len);
			(void)exercise(c, base_len);
		}
	}
	free(c);
}

static void test_random_corruption(void **state)
{
	uint8_t *c = copy_base(), *g;
	/* HOSTILE_ITERS / HOSTILE_SEED: longer or different runs by hand */
	unsigned seed = getenv("HOSTILE_SEED") ? (unsigned)atoi(getenv("HOSTILE_SEED")) : 12345;
	int iters = getenv("HOSTILE_ITERS") ? atoi(getenv("HOSTILE_ITERS")) : 3000;
	int iter;

	(void)state;
	for (iter = 0; iter < iters; iter++) {
		int k, n = 1 + rand_r(&seed) % 8;
		memcpy(c, base_img, base_len);
		for (k = 0; k < n; k++) {
			size_t pos = (size_t)rand_r(&seed) % base_len;
			switch (rand_r(&seed) % 4) {
			case 0:
				c[pos] = (uint8_t)rand_r(&seed);
				break;
			case 1: /* a plausible-looking small number */
				if (pos + 4 <= base_len)
					put32(c + pos, (uint32_t)(rand_r(&seed) % 600));
				break;
			case 2:
				if (pos + 4 <= base_len)
					put32(c + pos, 0xffffffffu - (uint32_t)(rand_r(&seed) % 8));
				break;
			default:
				c[pos] = 0;
			}
		}
		fix_checksum(c, base_len);
		(void)exercise(c, base_len);
	}
	/* pure garbage, with and without a valid-looking header */
	g = malloc(65536);
	for (iter = 0; iter < 300; iter++) {
		size_t len = (size_t)rand_r(&seed) % 65536, i;
		for (i = 0; i < len; i++)
			g[i] = (uint8_t)rand_r(&seed);
		assert_int_equal(exercise(g, len), -EBADMSG);
		if (len >= sizeof(struct snapfmt_header)) {
			memcpy(g, base_img, sizeof(struct snapfmt_header));
			if (iter % 2) {
				uint64_t fs = htole64(len);
				memcpy(g + 16, &fs, 8);
			}
			fix_checksum(g, len);
			(void)exercise(g, len);
		}
	}
	free(g);
	free(c);
}

/* Hand-crafted: a header field or record set to a hostile value, checksum fixed. */
static size_t sec_off(const uint8_t *img, int sec)
{
	return get32(img + offsetof(struct snapfmt_header, sections) + 8 * (size_t)sec);
}

static size_t sec_size(const uint8_t *img, int sec)
{
	return get32(img + offsetof(struct snapfmt_header, sections) + 8 * (size_t)sec + 4);
}

static int open_modified(uint8_t *c, struct snap **s)
{
	fix_checksum(c, base_len);
	write_img(c, base_len);
	return snap_open(path, s);
}

static void test_hostile_header(void **state)
{
	static const uint32_t bad[] = {0, 7, 167, 0x7fffffff, 0xfffffff8, 0xffffffff};
	uint8_t *c = copy_base();
	struct snap *s;
	size_t i, k;

	(void)state;
	/* every section offset and size out of range or misaligned */
	for (i = 0; i < SNAPFMT_NSECTIONS; i++) {
		for (k = 0; k < sizeof(bad) / sizeof(*bad); k++) {
			memcpy(c, base_img, base_len);
			put32(c + offsetof(struct snapfmt_header, sections) + 8 * i, bad[k]);
			assert_int_equal(open_modified(c, &s), -EBADMSG);
			memcpy(c, base_img, base_len);
			put32(c + offsetof(struct snapfmt_header, sections) + 8 * i + 4,
			      bad[k] == 0 ? (uint32_t)base_len : bad[k]);
			if (i == SNAPFMT_SEC_STRINGS) { /* a shorter table can be valid */
				fix_checksum(c, base_len);
				(void)exercise(c, base_len);
			} else {
				assert_int_equal(open_modified(c, &s), -EBADMSG);
			}
		}
	}
	/* giant counts and broken slot counts */
	static const size_t fields[] = {
	    offsetof(struct snapfmt_header, nusers), offsetof(struct snapfmt_header, ngroups),
	    offsetof(struct snapfmt_header, nexcluded), offsetof(struct snapfmt_header, user_slots),
	    offsetof(struct snapfmt_header, group_slots)};
	static const uint32_t vals[] = {0xffffffffu, 0x80000000u, 1u << 24, 1u << 26, 9, 5};
	for (i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
		for (k = 0; k < sizeof(vals) / sizeof(*vals); k++) {
			memcpy(c, base_img, base_len);
			put32(c + fields[i], vals[k]);
			assert_int_equal(open_modified(c, &s), -EBADMSG);
		}
	}
	/* wrong version, header size, magic */
	memcpy(c, base_img, base_len);
	put32(c + 8, 2);
	assert_int_equal(open_modified(c, &s), -EBADMSG);
	memcpy(c, base_img, base_len);
	put32(c + 12, 160);
	assert_int_equal(open_modified(c, &s), -EBADMSG);
	memcpy(c, base_img, base_len);
	c[0] = 'X';
	assert_int_equal(open_modified(c, &s), -EBADMSG);
	free(c);
}

static void test_strings_without_nul(void **state)
{
	uint8_t *c = copy_base();
	struct snap *s;
	struct snap_user u;
	size_t so = sec_off(base_img, SNAPFMT_SEC_STRINGS),
	       ss = sec_size(base_img, SNAPFMT_SEC_STRINGS);
	size_t uo = sec_off(base_img, SNAPFMT_SEC_USERS);

	(void)state;
	/* the table's last byte is not NUL */
	c[so + ss - 1] = 'A';
	assert_int_equal(open_modified(c, &s), -EBADMSG);
	/* the table does not start with "" */
	memcpy(c, base_img, base_len);
	c[so] = 'A';
	assert_int_equal(open_modified(c, &s), -EBADMSG);
	/* no NUL anywhere in the table */
	memcpy(c, base_img, base_len);
	memset(c + so, 'A', ss);
	assert_int_equal(open_modified(c, &s), -EBADMSG);
	/* a user's string offsets at and past the end of the table */
	for (size_t f = 2; f <= 8; f++) {
		memcpy(c, base_img, base_len);
		put32(c + uo + 4 * f, (uint32_t)ss);
		assert_int_equal(open_modified(c, &s), 0);
		assert_int_equal(snap_user_at(s, 0, &u), -EBADMSG);
		assert_int_equal(snap_user_by_uid(s, 200001, &u), -EBADMSG);
		assert_int_equal(snap_user_at(s, 1, &u), 0);
		snap_close(s);
		memcpy(c, base_img, base_len);
		put32(c + uo + 4 * f, 0xffffffffu);
		assert_int_equal(open_modified(c, &s), 0);
		assert_int_equal(snap_user_at(s, 0, &u), -EBADMSG);
		snap_close(s);
	}
	/* a name that is the empty string */
	memcpy(c, base_img, base_len);
	put32(c + uo + 8, 0);
	assert_int_equal(open_modified(c, &s), 0);
	assert_int_equal(snap_user_at(s, 0, &u), -EBADMSG);
	assert_int_equal(snap_user_by_name(s, "", &u), -ENOENT);
	snap_close(s);
	free(c);
}

static void test_probe_cycles(void **state)
{
	uint8_t *c = copy_base();
	struct snap *s;
	struct snap_user u;
	struct snap_group g;
	static const int idx_secs[] = {SNAPFMT_SEC_USER_BYNAME, SNAPFMT_SEC_USER_BYID,
				       SNAPFMT_SEC_GROUP_BYNAME, SNAPFMT_SEC_GROUP_BYID};
	size_t i, k;

	(void)state;
	for (k = 0; k < 4; k++) {
		size_t off = sec_off(base_img, idx_secs[k]),
		       n = sec_size(base_img, idx_secs[k]) / 4;
		/* every slot full, all pointing at one record: a miss must still end */
		memcpy(c, base_img, base_len);
		for (i = 0; i < n; i++)
			put32(c + off + 4 * i, 1);
		assert_int_equal(open_modified(c, &s), 0);
		assert_int_equal(snap_user_by_name(s, "nosuchuser", &u), -ENOENT);
		assert_int_equal(snap_user_by_uid(s, 12345, &u), -ENOENT);
		assert_int_equal(snap_group_by_name(s, "nosuchgroup", &g), -ENOENT);
		assert_int_equal(snap_group_by_gid(s, 12345, &g), -ENOENT);
		snap_close(s);
		/* slots pointing past the records */
		memcpy(c, base_img, base_len);
		for (i = 0; i < n; i++)
			put32(c + off + 4 * i, 0xffffffffu - (uint32_t)i);
		assert_int_equal(open_modified(c, &s), 0);
		switch (k) {
		case 0:
			assert_int_equal(snap_user_by_name(s, "alice", &u), -EBADMSG);
			break;
		case 1:
			assert_int_equal(snap_user_by_uid(s, 200002, &u), -EBADMSG);
			break;
		case 2:
			assert_int_equal(snap_group_by_name(s, "devs", &g), -EBADMSG);
			break;
		default:
			assert_int_equal(snap_group_by_gid(s, 300001, &g), -EBADMSG);
		}
		snap_close(s);
		/* a lying index: slots point at the wrong record, so lookups miss, never lie */
		memcpy(c, base_img, base_len);
		for (i = 0; i < n; i++)
			if (get32(c + off + 4 * i))
				put32(c + off + 4 * i, 1);
		assert_int_equal(open_modified(c, &s), 0);
		if (k == 0) {
			assert_int_equal(snap_user_by_name(s, "bob", &u), -ENOENT);
			assert_int_equal(snap_user_by_name(s, "alice", &u), 0);
			assert_string_equal(u.name, "alice");
		}
		if (k == 1) {
			assert_int_equal(snap_user_by_uid(s, 200002, &u), -ENOENT);
		}
		snap_close(s);
	}
	free(c);
}

static void test_hostile_lists(void **state)
{
	uint8_t *c = copy_base();
	struct snap *s;
	struct snap_user u;
	struct snap_group g;
	size_t uo = sec_off(base_img, SNAPFMT_SEC_USERS),
	       go = sec_off(base_img, SNAPFMT_SEC_GROUPS);
	size_t ugo = sec_off(base_img, SNAPFMT_SEC_USER_GROUPS),
	       gmo = sec_off(base_img, SNAPFMT_SEC_GROUP_MEMBERS);

	(void)state;
	/* alice's list runs past the array */
	put32(c + uo + 4 * 10, 0xfffffff0u);
	assert_int_equal(open_modified(c, &s), 0);
	assert_int_equal(snap_user_by_name(s, "alice", &u), -EBADMSG);
	snap_close(s);
	/* alice's first group index is out of range */
	memcpy(c, base_img, base_len);
	put32(c + ugo, 3);
	assert_int_equal(open_modified(c, &s), 0);
	assert_int_equal(snap_user_by_name(s, "alice", &u), 0);
	assert_int_equal(snap_user_group_at(s, &u, 0, &g), -EBADMSG);
	assert_int_equal(snap_user_group_at(s, &u, 1, &g), 0);
	assert_false(snap_user_in_iam_group(s, &u, "Admins"));
	assert_true(snap_user_in_iam_group(s, &u, "Devs"));
	/* a caller-supplied user with a forged idx/ngroups */
	u.idx = 0xffffffffu;
	assert_int_equal(snap_user_group_at(s, &u, 0, &g), -ENOENT);
	u.idx = 1;
	u.ngroups = 100;
	assert_int_equal(snap_user_group_at(s, &u, 50, &g), -ENOENT);
	snap_close(s);
	/* members: count too big, index out of range */
	memcpy(c, base_img, base_len);
	put32(c + go + 4 * 7, 0x7fffffffu);
	assert_int_equal(open_modified(c, &s), 0);
	assert_int_equal(snap_group_by_name(s, "admins", &g), -EBADMSG);
	snap_close(s);
	memcpy(c, base_img, base_len);
	put32(c + gmo, 2);
	assert_int_equal(open_modified(c, &s), 0);
	assert_int_equal(snap_group_by_name(s, "admins", &g), 0);
	assert_int_equal(snap_group_member_at(s, &g, 0, &u), -EBADMSG);
	assert_null(snap_group_member_name(s, &g, 0));
	{
		const char *names[4];
		assert_int_equal(snap_group_member_names(s, &g, names, 4), -EBADMSG);
		g.idx = 99;
		assert_int_equal(snap_group_member_names(s, &g, names, 4), -ENOENT);
	}
	assert_null(snap_group_member_name(s, &g, 0));
	assert_int_equal(snap_group_member_at(s, &g, 0, &u), -ENOENT);
	snap_close(s);
	free(c);
}

static void test_not_a_regular_file(void **state)
{
	struct snap *s;

	(void)state;
	assert_int_equal(snap_open(tmpdir, &s), -EBADMSG);
	assert_int_equal(snap_open("/dev/null", &s), -EBADMSG);
	assert_int_equal(snap_open("/nonexistent/dir/directory", &s), -ENOENT);
	/* a FIFO at the path must not block the caller */
	unlink(path);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(snap_open(path, &s), -EBADMSG);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base_is_valid),
	    cmocka_unit_test(test_zero_length_and_tiny),
	    cmocka_unit_test(test_truncated_every_length),
	    cmocka_unit_test(test_bit_flips_every_byte),
	    cmocka_unit_test(test_random_corruption),
	    cmocka_unit_test(test_hostile_header),
	    cmocka_unit_test(test_strings_without_nul),
	    cmocka_unit_test(test_probe_cycles),
	    cmocka_unit_test(test_hostile_lists),
	    cmocka_unit_test(test_not_a_regular_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
