/* Snapshot writer/reader round trip: every field, lookups, lists, excluded, generation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "config/config.h"
#include "directory/dirmodel.h"
#include "directory/snapshot_writer.h"
#include "snapshot/snapshot_reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

static char tmpdir[200];
static char snappath[256];

static uint32_t *idx_list(size_t n, const uint32_t *v)
{
	uint32_t *p = calloc(n ? n : 1, sizeof(*p));
	memcpy(p, v, n * sizeof(*p));
	return p;
}

/* alice: groups admins, devs; bob: devs; carol: none. Private groups for alice, carol. */
static void make_model(struct dir_model *m)
{
	static const uint32_t alice_g[] = {0, 1}, bob_g[] = {1}, admins_m[] = {0},
			      devs_m[] = {0, 1};

	memset(m, 0, sizeof(*m));
	strcpy(m->account, "123456789012");
	m->created = 1700000000;
	m->nusers = 3;
	m->users = calloc(3, sizeof(*m->users));
	m->users[0] = (struct dir_user){strdup("alice"),
					200001,
					200001,
					strdup("Alice Liddell"),
					strdup("/home/alice"),
					strdup("/bin/bash"),
					strdup("Alice@example.com"),
					strdup("AIDAALICE0000000001"),
					strdup("arn:aws:iam::123456789012:user/Alice@example.com"),
					idx_list(2, alice_g),
					2};
	m->users[1] = (struct dir_user){strdup("bob"),
					200002,
					300002,
					strdup(""),
					strdup("/home/bob"),
					strdup("/bin/sh"),
					strdup("Bob"),
					strdup("AIDABOB"),
					strdup("arn:aws:iam::123456789012:user/Bob"),
					idx_list(1, bob_g),
					1};
	m->users[2] = (struct dir_user){strdup("carol"),
					200003,
					200003,
					NULL,
					strdup("/home/carol"),
					strdup("/bin/zsh"),
					strdup("Carol"),
					strdup("AIDACAROL"),
					strdup("arn:c"),
					NULL,
					0};
	m->ngroups = 4;
	m->groups = calloc(4, sizeof(*m->groups));
	m->groups[0] = (struct dir_group){strdup("iam-admins"),
					  300001,
					  strdup("Admins"),
					  strdup("AGPAADMINS"),
					  strdup("arn:g:admins"),
					  false,
					  idx_list(1, admins_m),
					  1,
					  false};
	m->groups[1] = (struct dir_group){strdup("iam-devs"),
					  300002,
					  strdup("Devs"),
					  strdup("AGPADEVS"),
					  strdup("arn:g:devs"),
					  false,
					  idx_list(2, devs_m),
					  2,
					  false};
	m->groups[2] = (struct dir_group){strdup("alice"),
					  200001,
					  strdup("Alice@example.com"),
					  strdup("AIDAALICE0000000001"),
					  strdup("arn:u:alice"),
					  true,
					  NULL,
					  0,
					  false};
	m->groups[3] = (struct dir_group){strdup("carol"),
					  200003,
					  strdup("Carol"),
					  strdup("AIDACAROL"),
					  strdup("arn:u:carol"),
					  true,
					  NULL,
					  0,
					  false};
	m->nexcluded = 2;
	m->excluded = calloc(2, sizeof(*m->excluded));
	m->excluded[0] = (struct dir_excluded){strdup("user"), strdup("root"),
					       strdup("local account"), NULL, false};
	m->excluded[1] = (struct dir_excluded){
	    strdup("group"), strdup("Sudo"), strdup("collides with local group sudo"), NULL, false};
}

static int setup(void **state)
{
	(void)state;
	tu_mkdtemp(tmpdir, sizeof(tmpdir), "test_snapshot");
	snprintf(snappath, sizeof(snappath), "%s/%s", tmpdir, IAM_SNAPSHOT_NAME);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rm_tree(tmpdir);
	return 0;
}

static struct snap *write_and_open(uint64_t *gen)
{
	struct dir_model m;
	struct snap *s = NULL;

	make_model(&m);
	assert_int_equal(snapshot_write(tmpdir, &m, gen), 0);
	dirmodel_free(&m);
	assert_int_equal(snap_open(snappath, &s), 0);
	return s;
}

static void test_round_trip(void **state)
{
	struct snap *s;
	struct snap_info info;
	struct snap_user u;
	uint64_t gen;

	(void)state;
	unlink(snappath);
	s = write_and_open(&gen);
	assert_int_equal(gen, 1);
	snap_get_info(s, &info);
	assert_int_equal(info.generation, 1);
	assert_int_equal(info.created, 1700000000);
	assert_string_equal(info.account, "123456789012");
	assert_int_equal(info.nusers, 3);
	assert_int_equal(info.ngroups, 4);
	assert_int_equal(info.nexcluded, 2);

	assert_int_equal(snap_user_by_name(s, "alice", &u), 0);
	assert_int_equal(u.idx, 0);
	assert_int_equal(u.uid, 200001);
	assert_int_equal(u.gid, 200001);
	assert_int_equal(u.ngroups, 2);
	assert_string_equal(u.name, "alice");
	assert_string_equal(u.gecos, "Alice Liddell");
	assert_string_equal(u.home, "/home/alice");
	assert_string_equal(u.shell, "/bin/bash");
	assert_string_equal(u.iam_name, "Alice@example.com");
	assert_string_equal(u.iam_id, "AIDAALICE0000000001");
	assert_string_equal(u.iam_arn, "arn:aws:iam::123456789012:user/Alice@example.com");

	assert_int_equal(snap_user_by_uid(s, 200002, &u), 0);
	assert_string_equal(u.name, "bob");
	assert_int_equal(u.gid, 300002);
	assert_string_equal(u.gecos, "");
	assert_string_equal(u.shell, "/bin/sh");
	assert_string_equal(u.iam_arn, "arn:aws:iam::123456789012:user/Bob");

	assert_int_equal(snap_user_at(s, 2, &u), 0);
	assert_string_equal(u.name, "carol");
	assert_string_equal(u.gecos, ""); /* NULL in the model reads back as "" */
	assert_int_equal(u.ngroups, 0);
	assert_int_equal(snap_user_at(s, 3, &u), -ENOENT);
	snap_close(s);
}

static void test_lookups(void **state)
{
	struct snap *s;
	struct snap_user u;
	struct snap_group g;

	(void)state;
	s = write_and_open(NULL);
	/* misses */
	assert_int_equal(snap_user_by_name(s, "dave", &u), -ENOENT);
	assert_int_equal(snap_user_by_name(s, "Alice", &u), -ENOENT);
	assert_int_equal(snap_user_by_name(s, "", &u), -ENOENT);
	assert_int_equal(snap_user_by_name(s, "iam-admins", &u), -ENOENT);
	assert_int_equal(snap_user_by_uid(s, 0, &u), -ENOENT);
	assert_int_equal(snap_user_by_uid(s, 200004, &u), -ENOENT);
	assert_int_equal(snap_user_by_uid(s, 300001, &u), -ENOENT);
	assert_int_equal(snap_group_by_name(s, "bob", &g), -ENOENT);
	assert_int_equal(snap_group_by_gid(s, 200002, &g), -ENOENT);
	assert_int_equal(snap_group_by_gid(s, 0, &g), -ENOENT);

	/* groups by name and gid, private groups included */
	assert_int_equal(snap_group_by_name(s, "iam-devs", &g), 0);
	assert_int_equal(g.gid, 300002);
	assert_int_equal(g.nmembers, 2);
	assert_false(g.user_private);
	assert_string_equal(g.iam_name, "Devs");
	assert_string_equal(g.iam_id, "AGPADEVS");
	assert_string_equal(g.iam_arn, "arn:g:devs");
	assert_int_equal(snap_group_by_gid(s, 300001, &g), 0);
	assert_string_equal(g.name, "iam-admins");
	assert_int_equal(snap_group_by_gid(s, 200001, &g), 0);
	assert_string_equal(g.name, "alice");
	assert_true(g.user_private);
	assert_int_equal(g.nmembers, 0);
	assert_int_equal(snap_group_by_name(s, "carol", &g), 0);
	assert_int_equal(g.gid, 200003);
	assert_int_equal(snap_group_at(s, 3, &g), 0);
	assert_string_equal(g.name, "carol");
	assert_int_equal(snap_group_at(s, 4, &g), -ENOENT);
	snap_close(s);
}

static void test_lists(void **state)
{
	struct snap *s;
	struct snap_user u, m;
	struct snap_group g;
	struct snap_excluded e;

	(void)state;
	s = write_and_open(NULL);
	assert_int_equal(snap_user_by_name(s, "alice", &u), 0);
	assert_int_equal(snap_user_group_at(s, &u, 0, &g), 0);
	assert_string_equal(g.name, "iam-admins");
	assert_int_equal(snap_user_group_at(s, &u, 1, &g), 0);
	assert_string_equal(g.name, "iam-devs");
	assert_int_equal(snap_user_group_at(s, &u, 2, &g), -ENOENT);
	assert_true(snap_user_in_iam_group(s, &u, "admins"));
	assert_true(snap_user_in_iam_group(s, &u, "DEVS"));
	assert_false(snap_user_in_iam_group(s, &u, "iam-admins"));
	assert_false(snap_user_in_iam_group(s, &u, "Carol"));

	assert_int_equal(snap_user_by_name(s, "bob", &u), 0);
	assert_false(snap_user_in_iam_group(s, &u, "Admins"));
	assert_true(snap_user_in_iam_group(s, &u, "Devs"));

	assert_int_equal(snap_group_by_name(s, "iam-devs", &g), 0);
	assert_int_equal(snap_group_member_at(s, &g, 0, &m), 0);
	assert_string_equal(m.name, "alice");
	assert_int_equal(snap_group_member_at(s, &g, 1, &m), 0);
	assert_string_equal(m.name, "bob");
	assert_int_equal(m.uid, 200002);
	assert_int_equal(snap_group_member_at(s, &g, 2, &m), -ENOENT);
	assert_string_equal(snap_group_member_name(s, &g, 0), "alice");
	assert_string_equal(snap_group_member_name(s, &g, 1), "bob");
	assert_null(snap_group_member_name(s, &g, 2));
	{
		const char *names[4] = {0};
		assert_int_equal(snap_group_member_names(s, &g, names, 4), 2);
		assert_string_equal(names[0], "alice");
		assert_string_equal(names[1], "bob");
		assert_null(names[2]);
		assert_int_equal(snap_group_member_names(s, &g, names, 1), 1);
	}

	assert_int_equal(snap_excluded_at(s, 0, &e), 0);
	assert_string_equal(e.kind, "user");
	assert_string_equal(e.iam_name, "root");
	assert_string_equal(e.reason, "local account");
	assert_int_equal(snap_excluded_at(s, 1, &e), 0);
	assert_string_equal(e.kind, "group");
	assert_string_equal(e.iam_name, "Sudo");
	assert_string_equal(e.reason, "collides with local group sudo");
	assert_int_equal(snap_excluded_at(s, 2, &e), -ENOENT);
	snap_close(s);
}

static void test_generation_and_stale(void **state)
{
	struct snap *s, *s2;
	struct snap_info info;
	struct dir_model m;
	uint64_t gen1, gen2;

	(void)state;
	s = write_and_open(&gen1);
	assert_false(snap_is_stale(s, snappath));
	make_model(&m);
	assert_int_equal(snapshot_write(tmpdir, &m, &gen2), 0);
	dirmodel_free(&m);
	assert_int_equal(gen2, gen1 + 1);
	assert_true(snap_is_stale(s, snappath));
	assert_int_equal(snap_open(snappath, &s2), 0);
	snap_get_info(s2, &info);
	assert_int_equal(info.generation, gen2);
	assert_false(snap_is_stale(s2, snappath));
	unlink(snappath);
	assert_true(snap_is_stale(s2, snappath));
	snap_close(s);
	snap_close(s2);
	assert_int_equal(snap_open(snappath, &s), -ENOENT);
	assert_null(s);
	/* a fresh file after removal starts again at generation 1 */
	make_model(&m);
	assert_int_equal(snapshot_write(tmpdir, &m, &gen2), 0);
	dirmodel_free(&m);
	assert_int_equal(gen2, 1);
	/* file mode 0644 */
	struct stat st;
	assert_int_equal(stat(snappath, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* a group- or world-writable snapshot is refused */
	assert_int_equal(chmod(snappath, 0664), 0);
	assert_int_equal(snap_open(snappath, &s), -EPERM);
	assert_int_equal(chmod(snappath, 0646), 0);
	assert_int_equal(snap_open(snappath, &s), -EPERM);
	assert_int_equal(chmod(snappath, 0600), 0);
	assert_int_equal(snap_open(snappath, &s), 0);
	snap_close(s);
}

static void test_writer_rejects_bad_models(void **state)
{
	struct dir_model m;
	uint64_t gen = 77;

	(void)state;
	make_model(&m);
	free(m.users[1].name);
	m.users[1].name = strdup("alice"); /* duplicate name */
	assert_int_equal(snapshot_write(tmpdir, &m, &gen), -EINVAL);
	dirmodel_free(&m);
	make_model(&m);
	m.users[1].uid = 200001; /* duplicate uid */
	assert_int_equal(snapshot_write(tmpdir, &m, &gen), -EINVAL);
	dirmodel_free(&m);
	make_model(&m);
	m.groups[3].gid = 300001; /* duplicate gid */
	assert_int_equal(snapshot_write(tmpdir, &m, &gen), -EINVAL);
	dirmodel_free(&m);
	make_model(&m);
	m.users[0].group_idx[1] = 4; /* out of range */
	assert_int_equal(snapshot_write(tmpdir, &m, &gen), -EINVAL);
	dirmodel_free(&m);
	make_model(&m);
	m.groups[1].member_idx[1] = 3;
	assert_int_equal(snapshot_write(tmpdir, &m, &gen), -EINVAL);
	dirmodel_free(&m);
	make_model(&m);
	free(m.groups[0].name);
	m.groups[0].name = strdup("");
	assert_int_equal(snapshot_write(tmpdir, &m, &gen), -EINVAL);
	dirmodel_free(&m);
	make_model(&m);
	free(m.users[0].gecos);
	m.users[0].gecos = strdup("Alice:0:0"); /* would forge passwd fields */
	assert_int_equal(snapshot_write(tmpdir, &m, &gen), -EINVAL);
	dirmodel_free(&m);
	make_model(&m);
	free(m.users[1].home);
	m.users[1].home = strdup("/home/bob\nroot::0:0::/:/bin/sh");
	assert_int_equal(snapshot_write(tmpdir, &m, &gen), -EINVAL);
	dirmodel_free(&m);
	make_model(&m);
	free(m.groups[0].name);
	m.groups[0].name = strdup("a,b");
	assert_int_equal(snapshot_write(tmpdir, &m, &gen), -EINVAL);
	dirmodel_free(&m);
	assert_int_equal(gen, 77); /* untouched on failure */
}

static void test_empty_and_large(void **state)
{
	struct dir_model m = {0};
	struct snap *s;
	struct snap_user u;
	struct snap_group g;
	char name[32];
	size_t i, n = 6000;

	(void)state;
	assert_int_equal(snapshot_write(tmpdir, &m, NULL), 0);
	assert_int_equal(snap_open(snappath, &s), 0);
	assert_int_equal(snap_user_by_name(s, "alice", &u), -ENOENT);
	assert_int_equal(snap_group_by_gid(s, 1, &g), -ENOENT);
	assert_int_equal(snap_user_at(s, 0, &u), -ENOENT);
	snap_close(s);

	m.nusers = n;
	m.users = calloc(n, sizeof(*m.users));
	m.ngroups = n;
	m.groups = calloc(n, sizeof(*m.groups));
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "user%zu", i);
		m.users[i].name = strdup(name);
		m.users[i].uid = m.users[i].gid = (uint32_t)(70000 + i * 3);
		m.groups[i].name = strdup(name);
		m.groups[i].gid = (uint32_t)(70000 + i * 3);
		m.groups[i].user_private = true;
	}
	assert_int_equal(snapshot_write(tmpdir, &m, NULL), 0);
	dirmodel_free(&m);
	assert_int_equal(snap_open(snappath, &s), 0);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "user%zu", i);
		assert_int_equal(snap_user_by_name(s, name, &u), 0);
		assert_int_equal(u.idx, i);
		assert_int_equal(snap_user_by_uid(s, (uint32_t)(70000 + i * 3), &u), 0);
		assert_string_equal(u.name, name);
		assert_int_equal(snap_user_by_uid(s, (uint32_t)(70001 + i * 3), &u), -ENOENT);
		assert_int_equal(snap_group_by_gid(s, (uint32_t)(70000 + i * 3), &g), 0);
		assert_string_equal(g.name, name);
		snprintf(name, sizeof(name), "user%zux", i);
		assert_int_equal(snap_user_by_name(s, name, &u), -ENOENT);
	}
	snap_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_generation_and_stale),
	    cmocka_unit_test(test_writer_rejects_bad_models),
	    cmocka_unit_test(test_empty_and_large),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
