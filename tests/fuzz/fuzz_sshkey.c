/* SSH key sanitizer: what it accepts is one clean line that sanitizes to itself. */
#include <string.h>

#include "fuzz.h"
#include "keys/sshkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL, *again = NULL;
	int r = sshkey_sanitize((const char *)data, size, NULL, &out, NULL);

	if (r != 0) {
		FUZZ_ASSERT(out == NULL);
		return 0;
	}
	FUZZ_ASSERT(out != NULL);
	for (const char *p = out; *p; p++)
		FUZZ_ASSERT((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	FUZZ_ASSERT(strncmp(out, "command=", 8) != 0 && !strchr(out, '\n'));
	FUZZ_ASSERT(sshkey_sanitize(out, strlen(out), NULL, &again, NULL) == 0);
	FUZZ_ASSERT(strcmp(out, again) == 0);
	free(out);
	free(again);
	return 0;
}
