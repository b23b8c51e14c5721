/*
 * [keys] chain: a second AuthorizedKeysCommand (EC2 Instance Connect's
 * eic_run_authorized_keys, or any other) run after ours, since sshd takes
 * only one. Its key lines are passed through to sshd.
 */
#ifndef IAM_AUTHKEYS_CHAIN_H
#define IAM_AUTHKEYS_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define CHAIN_MAX_OUTPUT (64 * 1024)

struct chain_result {
	size_t lines;	    /* lines written to stdout */
	size_t dropped;	    /* lines not passed (control characters, no newline) */
	struct iam_err err; /* why it did not run or its answer was dropped */
};

/*
 * Run command ("/path arg %u %f ...": %u the user, %f the offered key's
 * fingerprint or "", %% a percent sign; no shell) with a minimal environment
 * until deadline_ms (keycache_clock_ms() time), then kill its process group.
 * The program must be a root-owned file nobody else can write. Its stdout,
 * at most CHAIN_MAX_OUTPUT bytes, goes to our stdout line by line, only
 * printable complete lines, and only when it finished in time. 0 or -errno
 * with res->err set.
 */
int chain_run(const char *command, const char *user, const char *fp, int64_t deadline_ms,
	      struct chain_result *res);

#endif
