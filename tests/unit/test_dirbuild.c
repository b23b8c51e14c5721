/* dirbuild_run: names, exclusions and their reasons, merges, visibility, tags, memberships. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "directory/dirbuild.h"
#include "directory/ids.h"
#include "testutil.h"
#include "directory/users_group.h"

#define MAXU 16
#define MAXG 8

struct fixture {
	struct iam_directory d;
	struct iam_user users[MAXU];
	struct iam_group groups[MAXG];
	struct iam_tag tags[MAXU][2];
	char *ugroups[MAXU][4];
	char ids[MAXU + MAXG][24];
	char arns[MAXU + MAXG][128];
	struct local_db local;
	struct iam_config cfg;
	char *suffix[1];
};

static struct iam_user *add_user(struct fixture *f, const char *name, const char *path,
				 int64_t created)
{
	size_t i = f->d.nusers++;
	struct iam_user *u = &f->users[i];

	snprintf(f->ids[i], sizeof(f->ids[i]), "AIDA%014zu", i * 31 + 7);
	snprintf(f->arns[i], sizeof(f->arns[i]), "arn:aws:iam::123456789012:user%s%s", path, name);
	u->name = (char *)name;
	u->id = f->ids[i];
	u->arn = f->arns[i];
	u->path = (char *)path;
	u->created = (time_t)created;
	u->tags = f->tags[i];
	u->groups = f->ugroups[i];
	return u;
}

static void add_tag(struct fixture *f, struct iam_user *u, const char *k, const char *v)
{
	(void)f;
	u->tags[u->ntags].key = (char *)k;
	u->tags[u->ntags++].value = (char *)v;
}

static void add_group(struct fixture *f, const char *name)
{
	size_t j = f->d.ngroups++;
	struct iam_group *g = &f->groups[j];

	snprintf(f->ids[MAXU + j], sizeof(f->ids[0]), "AGPA%014zu", j * 17 + 3);
	snprintf(f->arns[MAXU + j], sizeof(f->arns[0]), "arn:aws:iam::123456789012:group/%s", name);
	g->name = (char *)name;
	g->id = f->ids[MAXU + j];
	g->arn = f->arns[MAXU + j];
	g->path = (char *)"/";
	g->created = 1000;
}

static void join(struct iam_user *u, const char *group)
{
	u->groups[u->ngroups++] = (char *)group;
}

static char *write_tmp(const char *text)
{
	return tu_mkstemp_text("iam-dirbuild-test", text, 0600);
}

static struct fixture *setup_fixture(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *pw = write_tmp("root:x:0:0:root:/root:/bin/bash\n"
			     "# comment\n"
			     "ubuntu:x:1000:1000::/home/ubuntu:/bin/bash\n"
			     "weird:x:250000000:250000000::/:/bin/sh\n"
			     "broken line without colons\n");
	char *gr = write_tmp("root:x:0:\nsudo:x:27:ubuntu\nwheel:x:10:\nstaff:x:50:\n");

	assert_non_null(f);
	f->d.users = f->users;
	f->d.groups = f->groups;
	assert_int_equal(localdb_load(&f->local, pw, gr), 0);
	unlink(pw);
	free(pw);
	/* the host's login shells, not this machine's /etc/shells */
	pw = write_tmp("# /etc/shells: valid login shells\n/bin/sh\n/bin/bash\n/bin/zsh\n");
	assert_int_equal(localdb_load_shells(&f->local, pw), 0);
	assert_int_equal(f->local.nshells, 3);
	unlink(pw);
	unlink(gr);
	free(pw);
	free(gr);
	assert_int_equal(f->local.nusers, 3);
	assert_int_equal(f->local.ngroups, 4);
	assert_int_equal(config_defaults(&f->cfg), 0);
	f->suffix[0] = strdup("@example.com");
	f->cfg.strip_suffixes.items = f->suffix;
	f->cfg.strip_suffixes.n = 1;
	return f;
}

static void teardown_fixture(struct fixture *f)
{
	localdb_free(&f->local);
	config_free(&f->cfg);
	free(f);
}

static const struct dir_user *find_user(const struct dir_model *m, const char *name)
{
	for (size_t i = 0; i < m->nusers; i++)
		if (strcmp(m->users[i].name, name) == 0)
			return &m->users[i];
	return NULL;
}

static const struct dir_group *find_group(const struct dir_model *m, const char *name)
{
	for (size_t i = 0; i < m->ngroups; i++)
		if (strcmp(m->groups[i].name, name) == 0)
			return &m->groups[i];
	return NULL;
}

static const char *reason(const struct dir_model *m, const char *kind, const char *iam_name)
{
	for (size_t i = 0; i < m->nexcluded; i++)
		if (strcmp(m->excluded[i].kind, kind) == 0 &&
		    strcmp(m->excluded[i].iam_name, iam_name) == 0)
			return m->excluded[i].reason;
	return NULL;
}

static void test_awkward_directory(void **state)
{
	struct fixture *f = setup_fixture();
	struct dir_model m;
	struct dir_warnings w = {NULL, 0};
	struct iam_user *carol, *dave, *xy, *ab;
	const struct dir_user *u;
	const struct dir_group *g;

	(void)state;
	carol = add_user(f, "Carol.Jones@example.com", "/", 100);
	dave = add_user(f, "dave+ops", "/", 200);
	xy = add_user(f, "x=y", "/", 300);
	ab = add_user(f, "a,b", "/", 400);
	add_user(f, "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL", "/", 500);
	add_user(f, "root", "/", 600);
	add_user(f, "eve+x", "/", 700);
	add_user(f, "eve=x", "/", 800);
	add_user(f, "Ubuntu", "/", 900);
	add_user(f, "staff", "/", 1000);      /* private group collides with local group */
	add_user(f, "iam-admins", "/", 1100); /* private group collides with IAM group */
	add_group(f, "sudo");
	add_group(f, "admins");
	add_group(f, "wheel");
	add_group(f, "root");
	add_tag(f, carol, "iam-login:gecos", "Carol Jones");
	add_tag(f, dave, "IAM-LOGIN:SHELL", "/bin/zsh");
	add_tag(f, xy, "iam-login:shell", "bin/sh");
	add_tag(f, ab, "iam-login:gecos", "evil:gecos");
	/* issue 8 finding 10: an absolute path that is not a login shell is ignored */
	add_tag(f, add_user(f, "mallory", "/", 1200), "iam-login:shell", "/tmp/evil-shell");
	join(dave, "sudo");
	join(dave, "ADMINS");
	join(dave, "admins");
	join(carol, "admins");
	join(carol, "nonexistent");
	f->cfg.group_prefix[0] = '\0'; /* no prefix: "sudo" and "wheel" meet local groups */
	free(f->cfg.group_prefix);
	f->cfg.group_prefix = strdup("");
	f->cfg.merge_groups.items = calloc(2, sizeof(char *));
	f->cfg.merge_groups.items[0] = strdup("wheel");
	f->cfg.merge_groups.items[1] = strdup("root");
	f->cfg.merge_groups.n = 2;

	assert_int_equal(dirbuild_run(&f->cfg, &f->d, &f->local, 12345, &m, &w), 0);
	assert_string_equal(m.account, "123456789012");
	assert_int_equal(m.created, 12345);

	u = find_user(&m, "carol.jones");
	assert_non_null(u);
	assert_string_equal(u->gecos, "Carol Jones");
	assert_string_equal(u->home, "/home/carol.jones");
	assert_string_equal(u->shell, "/bin/bash");
	assert_int_equal(u->uid, u->gid);
	assert_int_equal(u->uid, ids_slot(carol->id, 200000000, 299999999));
	assert_string_equal(u->iam_name, "Carol.Jones@example.com");
	assert_int_equal(u->ngroups, 2);
	assert_string_equal(m.groups[u->group_idx[0]].name, "admins");
	assert_string_equal(m.groups[u->group_idx[1]].name, "iam-users");

	u = find_user(&m, "dave_ops");
	assert_non_null(u);
	assert_string_equal(u->shell, "/bin/zsh");
	assert_string_equal(u->gecos, "dave+ops");
	/* ADMINS and admins are one IAM group; sudo is excluded (local group); iam-users */
	assert_int_equal(u->ngroups, 2);
	u = find_user(&m, "x_y");
	assert_string_equal(u->shell, "/bin/bash"); /* relative shell tag ignored */
	u = find_user(&m, "a_b");
	assert_string_equal(u->gecos, "a,b"); /* ':' in gecos tag ignored */
	u = find_user(&m, "mallory");
	assert_non_null(u);
	assert_string_equal(u->shell, "/bin/bash"); /* not in /etc/shells: default shell */
	assert_int_equal(w.n, 3);
	assert_non_null(strstr(w.msgs[2], "not listed in /etc/shells"));

	assert_null(find_user(&m, "root"));
	/* issue 8 finding 11: the older eve+x keeps the name, the newer eve=x is excluded */
	assert_non_null(find_user(&m, "eve_x"));
	assert_string_equal(find_user(&m, "eve_x")->iam_name, "eve+x");
	assert_null(find_user(&m, "ubuntu"));
	assert_null(find_user(&m, "staff"));
	assert_non_null(find_user(&m, "iam-admins"));
	assert_int_equal(m.nusers, 7);
	assert_string_equal(reason(&m, "user", "root"), "collides with local account root");
	assert_string_equal(reason(&m, "user", "Ubuntu"), "collides with local account ubuntu");
	assert_string_equal(reason(&m, "user", "staff"),
			    "private group collides with local group staff");
	assert_null(reason(&m, "user", "eve+x"));
	assert_string_equal(reason(&m, "user", "eve=x"),
			    "user name eve_x collides with older IAM user eve+x");
	assert_string_equal(reason(&m, "user",
				   "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL"
				   "LLLLLLLLLLLL"),
			    "invalid name: longer than 32 characters after mapping");
	/* prefix is empty here, so IAM user iam-admins does not meet group admins */
	assert_null(reason(&m, "user", "iam-admins"));

	/* groups: sudo excluded (local, not merged), wheel merged with local gid 10 */
	assert_string_equal(reason(&m, "group", "sudo"),
			    "collides with local group sudo (not in merge_groups)");
	assert_string_equal(reason(&m, "group", "root"),
			    "refusing to merge into local group root (gid 0)");
	g = find_group(&m, "wheel");
	assert_non_null(g);
	assert_int_equal(g->gid, 10);
	assert_false(g->user_private);
	g = find_group(&m, "admins");
	assert_non_null(g);
	assert_int_equal(g->nmembers, 2);
	assert_string_equal(m.users[g->member_idx[0]].name, "carol.jones");
	assert_string_equal(m.users[g->member_idx[1]].name, "dave_ops");
	g = find_group(&m, "dave_ops");
	assert_non_null(g);
	assert_true(g->user_private);
	assert_int_equal(g->gid, find_user(&m, "dave_ops")->uid);
	assert_int_equal(g->nmembers, 0);
	/* 7 private + admins + wheel + iam-users (all 7 users) */
	assert_int_equal(m.ngroups, 10);
	assert_int_equal(find_group(&m, "iam-users")->nmembers, 7);
	/* sorted by name */
	for (size_t i = 1; i < m.nusers; i++)
		assert_true(strcmp(m.users[i - 1].name, m.users[i].name) < 0);
	for (size_t i = 1; i < m.ngroups; i++)
		assert_true(strcmp(m.groups[i - 1].name, m.groups[i].name) < 0);
	dirmodel_free(&m);
	dirbuild_warnings_free(&w);
	free(f->cfg.merge_groups.items[0]);
	free(f->cfg.merge_groups.items[1]);
	free(f->cfg.merge_groups.items);
	f->cfg.merge_groups.items = NULL;
	f->cfg.merge_groups.n = 0;
	f->cfg.strip_suffixes.items = NULL;
	f->cfg.strip_suffixes.n = 0;
	free(f->suffix[0]);
	teardown_fixture(f);
}

static void test_prefix_and_private_group_collision(void **state)
{
	struct fixture *f = setup_fixture();
	struct dir_model m;

	(void)state;
	add_user(f, "iam-admins", "/", 1); /* older than group admins (1000): keeps the name */
	add_user(f, "bob", "/", 2);
	add_user(f, "iam-ops", "/", 5000); /* newer than group ops: excluded */
	add_group(f, "admins");
	add_group(f, "ops");
	assert_int_equal(dirbuild_run(&f->cfg, &f->d, &f->local, 1, &m, NULL), 0);
	assert_null(reason(&m, "user", "iam-admins"));
	assert_string_equal(reason(&m, "group", "admins"),
			    "group name iam-admins collides with older IAM user iam-admins");
	assert_string_equal(reason(&m, "user", "iam-ops"),
			    "group name iam-ops collides with older IAM group ops");
	assert_null(reason(&m, "group", "ops"));
	assert_int_equal(m.nusers, 2);
	assert_int_equal(m.ngroups, 4); /* 2 private, ops, iam-users */
	assert_true(find_group(&m, "iam-admins")->user_private);
	assert_false(find_group(&m, "iam-ops")->user_private);
	dirmodel_free(&m);
	f->cfg.strip_suffixes.items = NULL;
	f->cfg.strip_suffixes.n = 0;
	free(f->suffix[0]);
	teardown_fixture(f);
}

/*
 * issue 8 finding 11: someone with iam:CreateUser makes victim@example.com, which
 * maps (strip_suffixes) onto the existing victim: the victim keeps the name, the
 * look-alike is excluded and reported, whatever order IAM lists them in.
 */
static void test_lookalike_cannot_evict(void **state)
{
	for (int order = 0; order < 2; order++) {
		struct fixture *f = setup_fixture();
		struct dir_model m;

		(void)state;
		if (order == 0) {
			add_user(f, "victim@example.com", "/", 2000);
			add_user(f, "victim", "/", 100);
		} else {
			add_user(f, "victim", "/", 100);
			add_user(f, "victim@example.com", "/", 2000);
		}
		assert_int_equal(dirbuild_run(&f->cfg, &f->d, &f->local, 1, &m, NULL), 0);
		assert_int_equal(m.nusers, 1);
		assert_non_null(find_user(&m, "victim"));
		assert_string_equal(find_user(&m, "victim")->iam_name, "victim");
		assert_null(reason(&m, "user", "victim"));
		assert_string_equal(reason(&m, "user", "victim@example.com"),
				    "user name victim collides with older IAM user victim");
		dirmodel_free(&m);
		f->cfg.strip_suffixes.items = NULL;
		f->cfg.strip_suffixes.n = 0;
		free(f->suffix[0]);
		teardown_fixture(f);
	}
}

static void test_visibility(void **state)
{
	struct fixture *f = setup_fixture();
	struct dir_model m;
	struct iam_user *a, *b, *c;

	(void)state;
	a = add_user(f, "alice", "/staff/", 1);
	b = add_user(f, "bob", "/contractors/", 2);
	c = add_user(f, "root", "/staff/", 3); /* invisible and excluded: not reported */
	add_user(f, "carl", "/staff/", 4);
	add_group(f, "ops");
	join(a, "ops");
	join(b, "ops");
	(void)c;
	free(f->cfg.path_prefix);
	f->cfg.path_prefix = strdup("/staff/");
	f->cfg.visible_groups.items = calloc(1, sizeof(char *));
	f->cfg.visible_groups.items[0] = strdup("OPS");
	f->cfg.visible_groups.n = 1;
	assert_int_equal(dirbuild_run(&f->cfg, &f->d, &f->local, 1, &m, NULL), 0);
	assert_int_equal(m.nusers, 1);
	assert_string_equal(m.users[0].name, "alice");
	assert_int_equal(m.nexcluded, 0);
	assert_non_null(find_group(&m, "iam-ops"));
	assert_int_equal(find_group(&m, "iam-ops")->nmembers, 1);
	dirmodel_free(&m);
	/* ids do not depend on visibility: alice's uid is the same with everyone visible */
	{
		uint32_t uid = ids_slot(a->id, f->cfg.uid_min, f->cfg.uid_max);
		struct dir_model all;

		free(f->cfg.visible_groups.items[0]);
		free(f->cfg.visible_groups.items);
		f->cfg.visible_groups.items = NULL;
		f->cfg.visible_groups.n = 0;
		f->cfg.path_prefix[1] = '\0';
		assert_int_equal(dirbuild_run(&f->cfg, &f->d, &f->local, 1, &all, NULL), 0);
		assert_int_equal(all.nusers, 3);
		assert_int_equal(find_user(&all, "alice")->uid, uid);
		assert_string_equal(reason(&all, "user", "root"),
				    "collides with local account root");
		dirmodel_free(&all);
	}
	f->cfg.strip_suffixes.items = NULL;
	f->cfg.strip_suffixes.n = 0;
	free(f->suffix[0]);
	teardown_fixture(f);
}

static void test_local_id_and_pins(void **state)
{
	struct fixture *f = setup_fixture();
	struct dir_model m;
	struct iam_user *p, *q, *r;

	(void)state;
	p = add_user(f, "pinned", "/", 1);
	add_tag(f, p, "iam-login:uid", "250000000"); /* local account "weird" has it */
	q = add_user(f, "pinned2", "/", 2);
	add_tag(f, q, "iam-login:uid", "200070000");
	r = add_user(f, "badpin", "/", 3);
	add_tag(f, r, "iam-login:uid", "1000");
	/* issue 8 finding 10: above the system range but outside [uid_min, uid_max] */
	add_tag(f, add_user(f, "outpin", "/", 4), "iam-login:uid", "70000");
	free(f->cfg.home_base);
	f->cfg.home_base = strdup("/srv/home/");
	assert_int_equal(dirbuild_run(&f->cfg, &f->d, &f->local, 1, &m, NULL), 0);
	assert_string_equal(find_user(&m, "pinned2")->home, "/srv/home/pinned2");
	assert_string_equal(reason(&m, "user", "pinned"),
			    "uid 250000000 belongs to local account weird");
	assert_string_equal(find_user(&m, "pinned2")->name, "pinned2");
	assert_int_equal(find_user(&m, "pinned2")->uid, 200070000);
	assert_int_equal(find_group(&m, "pinned2")->gid, 200070000);
	assert_null(find_user(&m, "outpin"));
	assert_string_equal(reason(&m, "user", "outpin"),
			    "uid: pinned id 70000 outside the range 200000000..299999999");
	assert_string_equal(reason(&m, "user", "badpin"),
			    "uid: pinned id tag is not a number in 65536..2147483647");
	dirmodel_free(&m);
	f->cfg.strip_suffixes.items = NULL;
	f->cfg.strip_suffixes.n = 0;
	free(f->suffix[0]);
	teardown_fixture(f);
}

/*
 * Every IAM user is in [directory] users_group (decision 6): sshd's
 * "Match Group iam-users" means "is an IAM user". Its gid is the same on
 * every host and whatever else the directory holds; it keeps its name against
 * a real IAM group mapping onto it; an empty setting turns it off.
 */
static void test_users_group(void **state)
{
	struct fixture *f = setup_fixture();
	struct dir_model m, other;
	const struct dir_group *g;
	uint32_t gid;

	(void)state;
	join(add_user(f, "alice", "/", 10), "users");
	add_user(f, "bob", "/", 20);
	add_group(f, "users"); /* maps onto iam-users as well: the real group gives way */
	assert_int_equal(dirbuild_run(&f->cfg, &f->d, &f->local, 1, &m, NULL), 0);
	g = find_group(&m, "iam-users");
	assert_non_null(g);
	assert_false(g->user_private);
	assert_false(g->merged);
	assert_int_equal(g->nmembers, 2);
	assert_true(g->gid >= f->cfg.gid_min && g->gid <= f->cfg.gid_max);
	gid = g->gid;
	assert_int_equal(gid, ids_slot(USERS_GROUP_IAM_ID, f->cfg.gid_min, f->cfg.gid_max));
	assert_string_equal(reason(&m, "group", "users"),
			    "group name iam-users is the group of all IAM users ([directory] "
			    "users_group)");
	assert_int_equal(find_user(&m, "alice")->ngroups, 1);
	dirmodel_free(&m);

	/* another host with other users and a custom name: the same gid */
	f->d.nusers = f->d.ngroups = 0;
	memset(&f->users[0], 0, sizeof(f->users[0]));
	add_user(f, "carl", "/", 30);
	free(f->cfg.users_group);
	f->cfg.users_group = strdup("everyone");
	assert_int_equal(dirbuild_run(&f->cfg, &f->d, &f->local, 1, &other, NULL), 0);
	g = find_group(&other, "everyone");
	assert_non_null(g);
	assert_int_equal(g->gid, gid);
	assert_int_equal(g->nmembers, 1);
	dirmodel_free(&other);

	/* off: no such group, and users have only their own groups */
	f->cfg.users_group[0] = '\0';
	assert_int_equal(dirbuild_run(&f->cfg, &f->d, &f->local, 1, &other, NULL), 0);
	assert_null(find_group(&other, "everyone"));
	assert_int_equal(other.ngroups, 1);
	assert_int_equal(find_user(&other, "carl")->ngroups, 0);
	dirmodel_free(&other);
	f->cfg.strip_suffixes.items = NULL;
	f->cfg.strip_suffixes.n = 0;
	free(f->suffix[0]);
	teardown_fixture(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_awkward_directory),
	    cmocka_unit_test(test_prefix_and_private_group_collision),
	    cmocka_unit_test(test_visibility),
	    cmocka_unit_test(test_lookalike_cannot_evict),
	    cmocka_unit_test(test_local_id_and_pins),
	    cmocka_unit_test(test_users_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
