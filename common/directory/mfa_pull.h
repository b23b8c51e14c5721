/*
 * Fleet MFA, the host's root-only half (decision 16): fetch PREFIX/mfa.bundle
 * with a conditional GET, verify it with root's copy of the publisher's key
 * ([directory] signing_public_key), its account and generation (no rollback)
 * and age, then install it into the [mfa] usersfile: a user whose secret is
 * unchanged keeps their line and with it their replay state; a new or changed
 * secret replaces the line; a user the previous bundle installed and this one
 * no longer has loses their secret. Users enrolled on this host alone are left
 * as they are. What was installed is recorded in <usersfile>.fleet (root,
 * 0644: generation, times, user ids; no secret) for status and doctor.
 */
#ifndef IAM_MFA_PULL_H
#define IAM_MFA_PULL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "config/config.h"

#define MFA_STATE_SUFFIX ".fleet"

struct mfa_pull_result {
	bool unchanged; /* 304, or the installed generation */
	uint64_t generation;
	int64_t created;
	size_t users, added, kept, removed;
	unsigned calls;
	struct iam_err err;
};

/* One pull (as root). 0 or -errno with res->err set. */
int mfa_pull(const struct iam_config *cfg, struct mfa_pull_result *res);

/* What <usersfile>.fleet says (status, doctor): 0, -ENOENT (never pulled), -errno. */
struct mfa_state {
	char etag[130];
	uint64_t generation;
	int64_t created, fetched;
	size_t users;
	char **ids; /* the user ids installed (may be NULL when not asked for) */
};
int mfa_state_read(const char *usersfile, bool with_ids, struct mfa_state *out);
void mfa_state_free(struct mfa_state *s);

#endif
