/* Fleet MFA formats: enrolment objects and the MFA payload, round trip and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory/mfa_fleet.h"

static struct mfa_fleet_entry entry(const char *name, const char *id, unsigned char fill)
{
	struct mfa_fleet_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.user_name, sizeof(e.user_name), "%s", name);
	snprintf(e.user_id, sizeof(e.user_id), "%s", id);
	e.digits = 6;
	e.period = 30;
	e.secret_len = 20;
	memset(e.secret, fill, e.secret_len);
	return e;
}

static void test_enrolment_round_trip(void **state)
{
	struct mfa_fleet_entry e = entry("alice@example.com", "AIDAALICE00000000001", 0xab), got;
	struct iam_err err = {0};
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(mfa_enrolment_encode(&e, &buf, &len), 0);
	assert_int_equal(mfa_enrolment_parse(buf, len, &got, &err), 0);
	assert_string_equal(got.user_name, e.user_name);
	assert_string_equal(got.user_id, e.user_id);
	assert_int_equal(got.secret_len, 20);
	assert_memory_equal(got.secret, e.secret, 20);
	/* any cut is refused, never half-read */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(mfa_enrolment_parse(buf, n, &got, &err), -EBADMSG);
	free(buf);
}

static void test_enrolment_hostile(void **state)
{
	static const char *const bad[] = {
	    /* fields out of order */
	    "iam-login-mfa-enrolment-1\nuser_id=AIDAALICE00000000001\nuser_name=alice\ndigits=6\n"
	    "period=30\nsecret=3132333435363738393031323334353637383930\n",
	    /* a line more */
	    "iam-login-mfa-enrolment-1\nuser_name=alice\nuser_id=AIDAALICE00000000001\ndigits=6\n"
	    "period=30\nsecret=3132333435363738393031323334353637383930\nextra=1\n",
	    /* odd hex, short secret, 9 digits, period 0, a name IAM never gives */
	    "iam-login-mfa-enrolment-1\nuser_name=alice\nuser_id=AIDAALICE00000000001\ndigits=6\n"
	    "period=30\nsecret=313233343536373839303132333435363738393\n",
	    "iam-login-mfa-enrolment-1\nuser_name=alice\nuser_id=AIDAALICE00000000001\ndigits=6\n"
	    "period=30\nsecret=3132333435\n",
	    "iam-login-mfa-enrolment-1\nuser_name=alice\nuser_id=AIDAALICE00000000001\ndigits=9\n"
	    "period=30\nsecret=3132333435363738393031323334353637383930\n",
	    "iam-login-mfa-enrolment-1\nuser_name=alice\nuser_id=AIDAALICE00000000001\ndigits=6\n"
	    "period=0\nsecret=3132333435363738393031323334353637383930\n",
	    "iam-login-mfa-enrolment-1\nuser_name=al ice\nuser_id=AIDAALICE00000000001\ndigits=6\n"
	    "period=30\nsecret=3132333435363738393031323334353637383930\n",
	    "iam-login-mfa-enrolment-1\nuser_name=alice\nuser_id=AIDA/../x\ndigits=6\n"
	    "period=30\nsecret=3132333435363738393031323334353637383930\n",
	};
	struct mfa_fleet_entry got;
	struct iam_err err = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_int_equal(mfa_enrolment_parse(bad[i], strlen(bad[i]), &got, &err), -EBADMSG);
		assert_true(err.msg[0] != '\0');
	}
}

static void test_payload_round_trip_and_order(void **state)
{
	struct bundle_info info = {
	    .account = "123456789012", .generation = 9, .created = 1700000000};
	struct mfa_fleet_set s = {0}, got = {0};
	struct mfa_fleet_entry b = entry("bob", "AIDABOB0000000000002", 2),
			       a = entry("alice", "AIDAALICE00000000001", 1);
	struct iam_err err = {0};
	char *buf;
	size_t len;

	(void)state;
	snprintf(b.etag, sizeof(b.etag), "\"0123abcd\"");
	assert_int_equal(mfa_fleet_set_add(&s, &b), 0);
	assert_int_equal(mfa_fleet_set_add(&s, &a), 0);
	assert_int_equal(mfa_payload_encode(&info, &s, &buf, &len), 0);
	assert_int_equal(mfa_payload_parse(buf, len, &got, &err), 0);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.e[0].user_id, "AIDAALICE00000000001"); /* sorted */
	assert_string_equal(got.e[1].etag, "\"0123abcd\"");
	assert_true(mfa_fleet_set_equal(&s, &got));
	got.e[1].secret[0] ^= 1;
	assert_false(mfa_fleet_set_equal(&s, &got));
	mfa_fleet_set_free(&got);
	/* swap the two lines: out of order is refused, not silently re-sorted */
	{
		char *l1 = strchr(buf, '\n') + 1, *l2 = strchr(l1, '\n') + 1;
		size_t n1 = (size_t)(l2 - l1), n2 = len - (size_t)(l2 - buf);
		char *sw = malloc(len);
		memcpy(sw, buf, (size_t)(l1 - buf));
		memcpy(sw + (l1 - buf), l2, n2);
		memcpy(sw + (l1 - buf) + n2, l1, n1);
		assert_int_equal(mfa_payload_parse(sw, len, &got, &err), -EBADMSG);
		assert_non_null(strstr(err.msg, "out of order"));
		free(sw);
	}
	/* the same user twice cannot be encoded */
	assert_int_equal(mfa_fleet_set_add(&s, &a), 0);
	free(buf);
	assert_int_equal(mfa_payload_encode(&info, &s, &buf, &len), -EEXIST);
	mfa_fleet_set_free(&s);
}

static void test_object_location(void **state)
{
	char b[64], k[1100];
	struct iam_err err = {0};

	(void)state;
	assert_int_equal(mfa_fleet_object_location("s3://fleet-bkt/prod", "alice@example.com", b,
						   sizeof(b), k, sizeof(k), &err),
			 0);
	assert_string_equal(b, "fleet-bkt");
	assert_string_equal(k, "prod/mfa/alice%40example.com");
	assert_int_equal(mfa_fleet_object_location("s3://fleet-bkt/prod", "../x", b, sizeof(b), k,
						   sizeof(k), &err),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enrolment_round_trip),
	    cmocka_unit_test(test_enrolment_hostile),
	    cmocka_unit_test(test_payload_round_trip_and_order),
	    cmocka_unit_test(test_object_location),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
