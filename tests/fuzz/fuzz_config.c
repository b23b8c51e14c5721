/* Config loader: a file is loaded or refused with file:line, never half-applied. */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iam_config cfg;
	struct config_error err;
	int r;

	setenv("IAM_LOGIN_TEST_MODE", "1", 1); /* the scratch file is not root's on every runner */
	FUZZ_ASSERT(config_defaults(&cfg) == 0);
	memset(&err, 0, sizeof(err));
	r = config_load(fuzz_write_file(data, size), &cfg, &err);
	if (r < 0)
		FUZZ_ASSERT(err.err.msg[0] != '\0');
	else
		FUZZ_ASSERT(cfg.uid_min < cfg.uid_max && cfg.gid_min < cfg.gid_max && cfg.region &&
			    cfg.region[0]);
	config_free(&cfg);
	return 0;
}
