/* IAM name -> Linux name mapping, with the awkward names IAM allows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "directory/names.h"

static char *example_suffix[] = {"@example.com"};
static const struct str_list strip = {example_suffix, 1};
static const struct str_list no_strip = {NULL, 0};

static void expect_user(const struct str_list *s, const char *iam, const char *linux_name)
{
	char out[LINUX_NAME_MAX + 1];
	struct iam_err why = {0};

	assert_int_equal(name_map_user(iam, s, out, sizeof(out), &why), 0);
	assert_string_equal(out, linux_name);
}

static void expect_invalid_user(const struct str_list *s, const char *iam, const char *reason)
{
	char out[LINUX_NAME_MAX + 1] = "untouched";
	struct iam_err why = {0};

	assert_int_equal(name_map_user(iam, s, out, sizeof(out), &why), -EINVAL);
	assert_string_equal(out, "untouched");
	assert_string_equal(why.msg, reason);
}

static void test_user_names(void **state)
{
	(void)state;
	expect_user(&strip, "Carol.Jones@example.com", "carol.jones");
	expect_user(&strip, "Carol.Jones@EXAMPLE.COM", "carol.jones");
	expect_user(&no_strip, "Carol.Jones@example.com", "carol.jones_example.com");
	expect_user(&strip, "carol@example.org", "carol_example.org");
	expect_user(&strip, "dave+ops", "dave_ops");
	expect_user(&strip, "x=y", "x_y");
	expect_user(&strip, "a,b", "a_b");
	expect_user(&strip, "root", "root");
	expect_user(&strip, "_svc", "_svc");
	expect_user(&strip, "A-B_c.d", "a-b_c.d");
	expect_user(&strip, "@x", "_x");
	/* exactly 32 characters is fine */
	expect_user(&strip, "abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345");
}

static void test_user_names_invalid(void **state)
{
	char name64[65];

	(void)state;
	memset(name64, 'a', 64);
	name64[64] = '\0';
	expect_invalid_user(&strip, name64, "longer than 32 characters after mapping");
	expect_invalid_user(&strip, "abcdefghijklmnopqrstuvwxyz0123456",
			    "longer than 32 characters after mapping");
	expect_invalid_user(&strip, "1abc", "not a portable Linux name after mapping");
	expect_invalid_user(&strip, "-abc", "not a portable Linux name after mapping");
	expect_invalid_user(&strip, ".abc", "not a portable Linux name after mapping");
	/* only the suffix: stripping would leave nothing, so it is kept and maps to "_example.com"
	 */
	expect_user(&strip, "@example.com", "_example.com");
	expect_invalid_user(&strip, "", "not a valid IAM name");
	expect_invalid_user(&strip, "bad:name", "not a valid IAM name");
	expect_invalid_user(&strip, "bad name", "not a valid IAM name");
	expect_invalid_user(&strip, "bad\nname", "not a valid IAM name");
	expect_invalid_user(&strip, "caf\xc3\xa9", "not a valid IAM name");
	expect_invalid_user(&strip, "a/b", "not a valid IAM name");
}

static void test_group_names(void **state)
{
	char out[LINUX_NAME_MAX + 1];
	struct iam_err why = {0};

	(void)state;
	assert_int_equal(name_map_group("sudo", "iam-", out, sizeof(out), &why), 0);
	assert_string_equal(out, "iam-sudo");
	assert_int_equal(name_map_group("Admins", "iam-", out, sizeof(out), &why), 0);
	assert_string_equal(out, "iam-admins");
	assert_int_equal(name_map_group("sudo", "", out, sizeof(out), &why), 0);
	assert_string_equal(out, "sudo");
	/* groups are never suffix-stripped */
	assert_int_equal(name_map_group("ops@example.com", "", out, sizeof(out), &why), 0);
	assert_string_equal(out, "ops_example.com");
	/* 28 + 4 = 32 fits, 29 + 4 does not */
	assert_int_equal(
	    name_map_group("abcdefghijklmnopqrstuvwxyz01", "iam-", out, sizeof(out), &why), 0);
	assert_int_equal(
	    name_map_group("abcdefghijklmnopqrstuvwxyz012", "iam-", out, sizeof(out), &why),
	    -EINVAL);
	assert_string_equal(why.msg, "longer than 32 characters after mapping");
	/* a prefix can make a digit-leading IAM group valid */
	assert_int_equal(name_map_group("1ops", "iam-", out, sizeof(out), &why), 0);
	assert_string_equal(out, "iam-1ops");
	assert_int_equal(name_map_group("1ops", "", out, sizeof(out), &why), -EINVAL);
}

static void test_portable(void **state)
{
	(void)state;
	assert_true(name_is_portable("a"));
	assert_true(name_is_portable("_"));
	assert_true(name_is_portable("a.b-c_d9"));
	assert_false(name_is_portable(""));
	assert_false(name_is_portable("A"));
	assert_false(name_is_portable("9a"));
	assert_false(name_is_portable("a$"));
	assert_false(name_is_portable("a b"));
	assert_false(name_is_portable("abcdefghijklmnopqrstuvwxyz0123456"));
	assert_true(name_is_iam_valid("Carol.Jones@example.com"));
	assert_true(name_is_iam_valid("x=y,z+w_v-u"));
	assert_false(name_is_iam_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_user_names),
	    cmocka_unit_test(test_user_names_invalid),
	    cmocka_unit_test(test_group_names),
	    cmocka_unit_test(test_portable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
