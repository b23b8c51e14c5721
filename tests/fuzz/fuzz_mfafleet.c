/*
 * Fleet MFA parsers: the first byte picks an enrolment object, an MFA bundle
 * payload or a ListObjectsV2 page. Whatever is accepted re-encodes to itself
 * (enrolment), comes out sorted with unique users (payload), or lists only keys
 * under the asked prefix with sendable ETags (listing); refusals say why.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "directory/mfa_fleet.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data + 1;
	struct iam_err err = {0};
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	if (data[0] % 3 == 0) {
		struct mfa_fleet_entry e, again;
		char *out = NULL;
		size_t olen = 0;

		if (mfa_enrolment_parse(body, len, &e, &err) == 0) {
			FUZZ_ASSERT(mfa_enrolment_encode(&e, &out, &olen) == 0);
			FUZZ_ASSERT(mfa_enrolment_parse(out, olen, &again, &err) == 0);
			FUZZ_ASSERT(strcmp(e.user_id, again.user_id) == 0 &&
				    strcmp(e.user_name, again.user_name) == 0 &&
				    e.secret_len == again.secret_len &&
				    memcmp(e.secret, again.secret, e.secret_len) == 0);
			free(out);
		} else {
			FUZZ_ASSERT(err.msg[0] != '\0');
		}
	} else if (data[0] % 3 == 1) {
		struct mfa_fleet_set s;

		if (mfa_payload_parse(body, len, &s, &err) == 0) {
			for (size_t i = 1; i < s.n; i++)
				FUZZ_ASSERT(strcmp(s.e[i - 1].user_id, s.e[i].user_id) < 0);
			for (size_t i = 0; i < s.n; i++)
				FUZZ_ASSERT(s.e[i].secret_len >= 10 &&
					    s.e[i].secret_len <= MFA_FLEET_MAX_SECRET &&
					    s.e[i].digits >= 6 && s.e[i].digits <= 8);
			mfa_fleet_set_free(&s);
		} else {
			FUZZ_ASSERT(err.msg[0] != '\0');
		}
	} else {
		struct s3_listing l = {0};
		struct aws_error aerr = {0};
		char next[1100];

		if (s3_parse_list_page(body, len, "prod/mfa/", &l, 1000, next, sizeof(next),
				       &aerr) == 0) {
			for (size_t i = 0; i < l.n; i++) {
				FUZZ_ASSERT(strncmp(l.items[i].key, "prod/mfa/", 9) == 0);
				FUZZ_ASSERT(strspn(l.items[i].etag, "\"0123456789abcdefABCDEF-") ==
					    strlen(l.items[i].etag));
			}
		} else {
			FUZZ_ASSERT(aerr.code[0] != '\0');
		}
		s3_listing_free(&l);
	}
	return 0;
}
