/* backoff.c: full jitter stays within [0, min(cap, base*2^n)] and the deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aws/backoff.h"

static uint64_t fixed_rand(void *ctx)
{
	return *(uint64_t *)ctx;
}

/* xorshift64: deterministic pseudo-random sequence for distribution checks */
static uint64_t xorshift(void *ctx)
{
	uint64_t *s = ctx;

	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static const struct backoff_policy P = {.base_ms = 100, .cap_ms = 5000, .max_retries = 8};

static void test_ceiling(void **state)
{
	(void)state;
	assert_int_equal(backoff_ceiling(&P, 0), 100);
	assert_int_equal(backoff_ceiling(&P, 1), 200);
	assert_int_equal(backoff_ceiling(&P, 2), 400);
	assert_int_equal(backoff_ceiling(&P, 5), 3200);
	assert_int_equal(backoff_ceiling(&P, 6), 5000);
	assert_int_equal(backoff_ceiling(&P, 7), 5000);
	/* no overflow for huge retry numbers */
	assert_int_equal(backoff_ceiling(&P, 1000000), 5000);
}

static void test_extremes(void **state)
{
	uint64_t v;

	(void)state;
	v = 0;
	assert_int_equal(backoff_delay(&P, 0, 10000, fixed_rand, &v), 0);
	v = 100; /* value % (ceil+1) == ceil: the maximum */
	assert_int_equal(backoff_delay(&P, 0, 10000, fixed_rand, &v), 100);
	v = 101;
	assert_int_equal(backoff_delay(&P, 0, 10000, fixed_rand, &v), 0);
	v = UINT64_MAX;
	assert_in_range(backoff_delay(&P, 3, 10000, fixed_rand, &v), 0, 800);
}

static void test_bounds_many(void **state)
{
	uint64_t s = 88172645463325252ULL;
	unsigned retry, i;
	long d, max_seen[8] = {0}, min_seen[8];

	(void)state;
	for (retry = 0; retry < 8; retry++) {
		min_seen[retry] = 1L << 30;
		for (i = 0; i < 2000; i++) {
			d = backoff_delay(&P, retry, 1000000, xorshift, &s);
			assert_in_range(d, 0, backoff_ceiling(&P, retry));
			if (d > max_seen[retry])
				max_seen[retry] = d;
			if (d < min_seen[retry])
				min_seen[retry] = d;
		}
		/* full jitter really spreads over the whole range */
		assert_true(max_seen[retry] > backoff_ceiling(&P, retry) * 9 / 10);
		assert_true(min_seen[retry] < backoff_ceiling(&P, retry) / 10 + 1);
	}
}

static void test_retries_exhausted(void **state)
{
	uint64_t v = 5;

	(void)state;
	assert_int_equal(backoff_delay(&P, 7, 10000, fixed_rand, &v), 5);
	assert_int_equal(backoff_delay(&P, 8, 10000, fixed_rand, &v), -1);
	assert_int_equal(backoff_delay(&P, 100, 10000, fixed_rand, &v), -1);
}

static void test_deadline(void **state)
{
	uint64_t v = 3000;

	(void)state;
	/* retry 6: ceiling 5000, delay 3000 */
	assert_int_equal(backoff_delay(&P, 6, 3001, fixed_rand, &v), 3000);
	assert_int_equal(backoff_delay(&P, 6, 3000, fixed_rand, &v), -1);
	assert_int_equal(backoff_delay(&P, 6, 0, fixed_rand, &v), -1);
	assert_int_equal(backoff_delay(&P, 0, -5, fixed_rand, &v), -1);
}

static void test_system_rand_varies(void **state)
{
	uint64_t a = backoff_rand_system(NULL), b = backoff_rand_system(NULL);

	(void)state;
	assert_true(a != b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ceiling),	cmocka_unit_test(test_extremes),
	    cmocka_unit_test(test_bounds_many), cmocka_unit_test(test_retries_exhausted),
	    cmocka_unit_test(test_deadline),	cmocka_unit_test(test_system_rand_varies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
