/* log_clean: what reaches syslog from outside cannot forge lines or fields. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/log.h"

static void test_control_and_quotes_replaced(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(log_clean(out, sizeof(out), "alice"), "alice");
	assert_string_equal(log_clean(out, sizeof(out), "a\nb\rc\td"), "a?b?c?d");
	assert_string_equal(log_clean(out, sizeof(out), "x\" reason=\"ok"), "x? reason=?ok");
	assert_string_equal(log_clean(out, sizeof(out), "back\\slash"), "back?slash");
	assert_string_equal(log_clean(out, sizeof(out), "caf\xc3\xa9\x7f"), "caf???");
	assert_string_equal(log_clean(out, sizeof(out), NULL), "");
}

static void test_bounded(void **state)
{
	char out[4];

	(void)state;
	assert_string_equal(log_clean(out, sizeof(out), "abcdef"), "abc");
	assert_ptr_equal(log_clean(out, 0, "abc"), out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_control_and_quotes_replaced),
	    cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
