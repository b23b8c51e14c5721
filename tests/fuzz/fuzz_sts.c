/*
 * STS answers (GetCallerIdentity, AssumeRole): an accepted identity has an
 * account and an ARN; accepted role credentials are complete (key id, secret,
 * session token, expiry, the assumed ARN) and printable; a refusal says why
 * and leaves nothing behind. The first byte picks the parser.
 */
#include <ctype.h>
#include <string.h>

#include "aws/aws_error.h"
#include "aws/creds.h"
#include "aws/sts_internal.h"
#include "fuzz.h"

static void check_graph(const char *s)
{
	FUZZ_ASSERT(s && *s);
	for (; *s; s++)
		FUZZ_ASSERT(isgraph((unsigned char)*s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data + 1;
	struct aws_error err = {0};
	int r;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		struct sts_identity id;

		r = sts_parse_caller_identity(body, size - 1, &id, &err);
		if (r == 0)
			FUZZ_ASSERT(id.account && *id.account && id.arn && *id.arn && id.user_id);
		else
			FUZZ_ASSERT(err.message[0] != '\0' && !id.account && !id.arn);
		sts_identity_free(&id);
	} else {
		struct aws_creds c;
		char *arn = NULL;

		r = sts_parse_assume_role(body, size - 1, &c, &arn, &err);
		if (r == 0) {
			check_graph(c.access_key);
			check_graph(c.secret_key);
			check_graph(c.session_token);
			FUZZ_ASSERT(c.expiration > 0 && arn && *arn);
		} else {
			FUZZ_ASSERT(err.message[0] != '\0' && !c.access_key && !c.secret_key &&
				    !arn);
		}
		creds_clear(&c);
		free(arn);
	}
	return 0;
}
