/*
 * Credentials from the network and from files: the container/IMDS JSON
 * answer and the shared credentials/config files. What is accepted is
 * printable (no header or log injection through a key), a secret is usable
 * only with its key id, and a refusal says why. The first byte picks the parser.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "aws/aws_error.h"
#include "aws/creds.h"
#include "aws/creds_chain_internal.h"
#include "fuzz.h"

static void check_graph(const char *s, size_t max)
{
	size_t n = 0;

	FUZZ_ASSERT(s);
	for (; s[n]; n++)
		FUZZ_ASSERT(isgraph((unsigned char)s[n]) && n < max);
	FUZZ_ASSERT(n > 0);
}

static void check_opt(const char *s, size_t max)
{
	if (s)
		check_graph(s, max);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_error err = {0};
	int r;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		struct aws_creds c = {0};

		r = creds_parse_json((const char *)data + 1, size - 1, "imds", &c, &err);
		if (r == 0) {
			check_graph(c.access_key, 128);
			check_graph(c.secret_key, 256);
			check_opt(c.session_token, 8192);
		} else {
			FUZZ_ASSERT(err.message[0] != '\0' && c.access_key == NULL);
		}
		creds_clear(&c);
	} else {
		/* one file serves as both: sections "[name]" and "[profile name]" */
		const char *path = fuzz_write_file(data + 1, size - 1);
		struct aws_profile p = {0};

		if (!path)
			return 0;
		r = creds_profile_load(path, path, "default", &p, &err);
		if (r == 0) {
			char *const f[] = {p.access_key,  p.secret_key,	      p.session_token,
					   p.role_arn,	  p.source_profile,   p.credential_source,
					   p.external_id, p.role_session_name};
			struct aws_creds c = {0};

			/* one line per value: nothing smuggled past the line parser */
			for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
				FUZZ_ASSERT(!f[i] || !strpbrk(f[i], "\r\n"));
			/* what the chain makes of them: both halves of a key, printable */
			if ((p.access_key || p.secret_key) &&
			    creds_set_validated(&c, p.access_key, p.secret_key, p.session_token,
						"profile", &err) == 0) {
				check_graph(c.access_key, 128);
				check_graph(c.secret_key, 256);
				check_opt(c.session_token, 8192);
			}
			creds_clear(&c);
		} else if (r != -ENOENT) {
			FUZZ_ASSERT(err.message[0] != '\0');
		}
		creds_profile_free(&p);
		unlink(path);
	}
	return 0;
}
