/* uid/gid assignment: stability, order independence, collisions, pins. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory/ids.h"

static const struct id_ranges defaults = {200000000, 299999999, 200000000, 299999999};

static void test_hash_is_fixed(void **state)
{
	(void)state;
	/* FNV-1a 64 reference values: these numbers must never change. */
	assert_true(ids_hash("") == 0xcbf29ce484222325ULL);
	assert_true(ids_hash("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(ids_hash("foobar") == 0x85944171f73967e8ULL);
	/* and the slot for a typical UserId in the default range */
	assert_int_equal(ids_slot("AIDAEXAMPLE0000000001", 200000000, 299999999),
			 200000000 + (uint32_t)(ids_hash("AIDAEXAMPLE0000000001") % 100000000ULL));
	assert_int_equal(ids_slot("x", 5, 5), 5);
}

static void test_parse_pin(void **state)
{
	uint32_t v = 0;

	(void)state;
	assert_int_equal(ids_parse_pin("65536", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(ids_parse_pin("2147483647", &v), 0);
	assert_int_equal(v, 2147483647u);
	assert_int_equal(ids_parse_pin("2147483648", &v), -EINVAL);
	assert_int_equal(ids_parse_pin("65535", &v), -EINVAL);
	assert_int_equal(ids_parse_pin("0", &v), -EINVAL);
	assert_int_equal(ids_parse_pin("-1", &v), -EINVAL);
	assert_int_equal(ids_parse_pin(" 70000", &v), -EINVAL);
	assert_int_equal(ids_parse_pin("70000x", &v), -EINVAL);
	assert_int_equal(ids_parse_pin("", &v), -EINVAL);
	assert_int_equal(ids_parse_pin("99999999999", &v), -EINVAL);
}

#define N 40

static void make(struct id_entity *e, char ids[][32], size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		snprintf(ids[i], 32, "%s%016zu", i % 4 == 3 ? "AGPA" : "AIDA", i * 7919 + seed);
		e[i].kind = i % 4 == 3 ? ID_KIND_GROUP : ID_KIND_USER;
		e[i].iam_id = ids[i];
		e[i].created = 1600000000 + (int64_t)(i % 5) * 100; /* ties on purpose */
	}
}

static uint32_t id_of(const struct id_entity *e, size_t n, const char *iam_id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].iam_id, iam_id) == 0)
			return e[i].id;
	fail_msg("%s not found", iam_id);
	return 0;
}

static void test_stable_and_order_independent(void **state)
{
	struct id_entity a[N], b[N];
	char ida[N][32], idb[N][32];
	struct id_ranges tiny = {100000, 100049, 100000, 100049}; /* 50 ids for 40: collisions */

	(void)state;
	for (int round = 0; round < 2; round++) {
		const struct id_ranges *r = round ? &tiny : &defaults;
		size_t probed = 0;

		make(a, ida, N, 1);
		make(b, idb, N, 1);
		/* b in a shuffled order */
		for (size_t i = N - 1; i > 0; i--) {
			size_t j = (i * 2654435761u) % (i + 1);
			struct id_entity t = b[i];
			b[i] = b[j];
			b[j] = t;
		}
		assert_int_equal(ids_assign(a, N, r), 0);
		assert_int_equal(ids_assign(b, N, r), 0);
		for (size_t i = 0; i < N; i++) {
			uint32_t min = a[i].kind == ID_KIND_USER ? r->uid_min : r->gid_min;
			uint32_t max = a[i].kind == ID_KIND_USER ? r->uid_max : r->gid_max;

			assert_int_not_equal(a[i].outcome, ID_EXCLUDED);
			assert_in_range(a[i].id, min, max);
			assert_int_equal(a[i].id, id_of(b, N, a[i].iam_id));
			if (a[i].outcome == ID_HASHED)
				assert_int_equal(a[i].id, ids_slot(a[i].iam_id, min, max));
			if (a[i].outcome == ID_PROBED) {
				probed++;
				assert_true(strstr(a[i].reason, "held by older") != NULL);
			}
			for (size_t j = 0; j < i; j++)
				assert_int_not_equal(a[i].id, a[j].id);
		}
		if (round == 1)
			assert_true(probed > 0); /* the tiny range really forced collisions */
	}
}

static void test_older_keeps_slot(void **state)
{
	struct id_entity e[3];
	struct id_ranges one_slot_then_next = {100000, 100002, 100000, 100002};
	uint32_t s0;

	(void)state;
	memset(e, 0, sizeof(e));
	/* ranges of 3: find two ids that hash to the same slot */
	static char buf[2][32];
	int found = 0;
	s0 = ids_slot("AIDAOLDER", 100000, 100002);
	snprintf(buf[0], 32, "AIDAOLDER");
	for (int i = 0; i < 1000 && !found; i++) {
		snprintf(buf[1], 32, "AIDANEWER%d", i);
		found = ids_slot(buf[1], 100000, 100002) == s0;
	}
	assert_true(found);
	e[0] = (struct id_entity){.kind = ID_KIND_USER, .iam_id = buf[1], .created = 2000};
	e[1] = (struct id_entity){.kind = ID_KIND_USER, .iam_id = buf[0], .created = 1000};
	assert_int_equal(ids_assign(e, 2, &one_slot_then_next), 0);
	assert_int_equal(e[1].outcome, ID_HASHED);
	assert_int_equal(e[1].id, s0);
	assert_int_equal(e[0].outcome, ID_PROBED);
	assert_int_equal(e[0].id, s0 == 100002 ? 100000 : s0 + 1);
	assert_int_equal(e[0].holder, 1);
	/* same again with the creation dates swapped: the other one wins */
	e[0].created = 500;
	assert_int_equal(ids_assign(e, 2, &one_slot_then_next), 0);
	assert_int_equal(e[0].outcome, ID_HASHED);
	assert_int_equal(e[0].id, s0);
	assert_int_equal(e[1].outcome, ID_PROBED);
}

static void test_range_full(void **state)
{
	struct id_entity e[3];
	struct id_ranges two = {100000, 100001, 100000, 100001};

	(void)state;
	e[0] = (struct id_entity){.kind = ID_KIND_USER, .iam_id = "AIDA1", .created = 1};
	e[1] = (struct id_entity){.kind = ID_KIND_USER, .iam_id = "AIDA2", .created = 2};
	e[2] = (struct id_entity){.kind = ID_KIND_GROUP, .iam_id = "AGPA3", .created = 3};
	assert_int_equal(ids_assign(e, 3, &two), 0);
	assert_int_not_equal(e[0].outcome, ID_EXCLUDED);
	assert_int_not_equal(e[1].outcome, ID_EXCLUDED);
	/* the user private groups took both gids: the group has none left */
	assert_int_equal(e[2].outcome, ID_EXCLUDED);
	assert_string_equal(e[2].reason, "no free id left in 100000..100001");
}

static void test_users_and_groups_share_gids(void **state)
{
	struct id_entity e[N];
	char ids[N][32];
	struct id_ranges tiny = {100000, 100044, 100000, 100044};

	(void)state;
	make(e, ids, N, 3);
	assert_int_equal(ids_assign(e, N, &tiny), 0);
	/* every number (uid of a user = gid of its private group, gid of a group) is unique */
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(e[i].id, e[j].id);
}

static void test_pins(void **state)
{
	struct id_entity e[5];

	(void)state;
	e[0] = (struct id_entity){
	    .kind = ID_KIND_USER, .iam_id = "AIDAPIN1", .created = 10, .pin = "200070000"};
	e[1] = (struct id_entity){
	    .kind = ID_KIND_USER, .iam_id = "AIDAPIN2", .created = 20, .pin = "200070000"};
	e[2] = (struct id_entity){
	    .kind = ID_KIND_USER, .iam_id = "AIDAPIN3", .created = 5, .pin = "0"};
	e[3] = (struct id_entity){
	    .kind = ID_KIND_GROUP, .iam_id = "AGPAPIN4", .created = 30, .pin = "200070000"};
	e[4] = (struct id_entity){
	    .kind = ID_KIND_USER, .iam_id = "AIDAPIN5", .created = 40, .pin = "65535"};
	assert_int_equal(ids_assign(e, 5, &defaults), 0);
	assert_int_equal(e[0].outcome, ID_PINNED);
	assert_int_equal(e[0].id, 200070000);
	assert_int_equal(e[1].outcome, ID_EXCLUDED);
	assert_string_equal(e[1].reason, "pinned id 200070000 already held by AIDAPIN1");
	assert_int_equal(e[2].outcome, ID_EXCLUDED);
	assert_int_equal(e[3].outcome,
			 ID_EXCLUDED); /* the user's private group has gid 200070000 */
	assert_int_equal(e[4].outcome, ID_EXCLUDED);
	assert_int_equal(e[4].id, 0);
}

/* issue 8 finding 10: a pin outside [uid_min, uid_max] is refused, even above the system range */
static void test_pin_outside_range(void **state)
{
	struct id_entity e[3];

	(void)state;
	e[0] = (struct id_entity){
	    .kind = ID_KIND_USER, .iam_id = "AIDAOUT1", .created = 10, .pin = "70000"};
	e[1] = (struct id_entity){
	    .kind = ID_KIND_USER, .iam_id = "AIDAOUT2", .created = 20, .pin = "300000000"};
	e[2] = (struct id_entity){
	    .kind = ID_KIND_USER, .iam_id = "AIDAIN", .created = 30, .pin = "299999999"};
	assert_int_equal(ids_assign(e, 3, &defaults), 0);
	assert_int_equal(e[0].outcome, ID_EXCLUDED);
	assert_int_equal(e[0].id, 0);
	assert_string_equal(e[0].reason, "pinned id 70000 outside the range 200000000..299999999");
	assert_int_equal(e[1].outcome, ID_EXCLUDED);
	assert_int_equal(e[2].outcome, ID_PINNED);
	assert_int_equal(e[2].id, 299999999);
}

static void test_bad_ranges(void **state)
{
	struct id_entity e[1] = {{.kind = ID_KIND_USER, .iam_id = "AIDA"}};
	struct id_ranges bad = {5, 4, 100, 200};

	(void)state;
	assert_int_equal(ids_assign(e, 1, &bad), -EINVAL);
	assert_int_equal(ids_assign(e, 0, &defaults), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_is_fixed),
	    cmocka_unit_test(test_parse_pin),
	    cmocka_unit_test(test_stable_and_order_independent),
	    cmocka_unit_test(test_older_keeps_slot),
	    cmocka_unit_test(test_range_full),
	    cmocka_unit_test(test_users_and_groups_share_gids),
	    cmocka_unit_test(test_pins),
	    cmocka_unit_test(test_pin_outside_range),
	    cmocka_unit_test(test_bad_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
