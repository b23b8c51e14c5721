/*
 * TOTP usersfile: any bytes give an answer or a refusal, never a crash; a file
 * with a byte the writer never writes is refused as damaged by every reader
 * (issue 14: a NUL used to hide an enrolled user).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "mfa/totp.h"
#include "mfa/usersfile.h"
#include "mfa/usersfile_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_file(data, size);
	static const char *const users[] = {"alice", "AIDAALICE000000000001", "bob", "x"};
	bool damaged = false;
	struct usersfile_status st;

	for (size_t i = 0; i < size; i++)
		if ((data[i] < 0x20 && data[i] != '\t' && data[i] != '\n') || data[i] > 0x7e)
			damaged = true;
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		int r = usersfile_status(path, users[i], &st);

		/* as root the file is ours and 0600: only damage or the content decide */
		if (geteuid() == 0 && damaged)
			FUZZ_ASSERT(r == -EUCLEAN);
		if (r == 0)
			FUZZ_ASSERT(st.digits >= TOTP_MIN_DIGITS && st.digits <= TOTP_MAX_DIGITS);
		r = usersfile_verify_at(path, users[i], "123456", 1, 1700000000, NULL);
		if (geteuid() == 0 && damaged)
			FUZZ_ASSERT(r == -EUCLEAN);
	}
	return 0;
}
