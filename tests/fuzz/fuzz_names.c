/*
 * IAM → Linux name mapping: an accepted name is a portable Linux name of at
 * most 32 characters, the same for every spelling IAM treats as the same name
 * (IAM names are case-insensitively unique), and a refusal says why.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "base/error.h"
#include "directory/names.h"
#include "fuzz.h"

static void check_mapping(int r, const char *out, const struct iam_err *why)
{
	if (r == 0) {
		FUZZ_ASSERT(name_is_portable(out) && strlen(out) <= LINUX_NAME_MAX);
	} else {
		FUZZ_ASSERT(r == -EINVAL && why->msg[0] != '\0');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[160], upper[160], a[LINUX_NAME_MAX + 1], b[LINUX_NAME_MAX + 1];
	struct str_list strip = {0};
	char *suffix = (char *)"@example.com";
	struct iam_err why = {0};
	int r, r2;

	if (size >= sizeof(in) || memchr(data, '\0', size))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	for (size_t i = 0; i <= size; i++)
		upper[i] = (char)toupper((unsigned char)in[i]);
	strip.items = &suffix;
	strip.n = 1;

	r = name_map_user(in, &strip, a, sizeof(a), &why);
	check_mapping(r, a, &why);
	r2 = name_map_user(upper, &strip, b, sizeof(b), &why);
	FUZZ_ASSERT(r == r2 && (r != 0 || strcmp(a, b) == 0));

	r = name_map_group(in, "iam-", a, sizeof(a), &why);
	check_mapping(r, a, &why);
	if (r == 0)
		FUZZ_ASSERT(strncmp(a, "iam-", 4) == 0);
	r2 = name_map_group(upper, "iam-", b, sizeof(b), &why);
	FUZZ_ASSERT(r == r2 && (r != 0 || strcmp(a, b) == 0));
	return 0;
}
