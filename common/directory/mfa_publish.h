/*
 * Fleet MFA, the publisher's half (decision 16): merge the enrolment objects
 * under PREFIX/mfa/ into one signed MFA bundle, PREFIX/mfa.bundle, stored with
 * SSE-KMS. One ListObjectsV2 (all pages); an object whose ETag is the one the
 * current bundle records is not read again, so an unchanged fleet costs one
 * LIST and one GET of the bundle. An object is taken only for an IAM user of
 * the directory just published with the same name AND UserId (a user deleted
 * and re-created under the old name does not inherit the old secret).
 */
#ifndef IAM_MFA_PUBLISH_H
#define IAM_MFA_PUBLISH_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/transport.h"
#include "base/error.h"
#include "config/config.h"
#include "directory/bundle.h"

struct mfa_publish_result {
	bool uploaded;
	uint64_t generation;
	size_t users;	 /* in the bundle */
	size_t read;	 /* enrolment objects fetched (new or changed) */
	size_t rejected; /* objects refused (malformed, unknown user, other UserId) */
	unsigned calls;
	struct iam_err err;
};

/*
 * One merge. snapshot: the directory just published (the users' names and ids);
 * signer/pub: the directory bundle's. 0 (uploaded or unchanged) or -errno.
 */
int mfa_publish(const struct iam_config *cfg, struct aws_client *aws,
		const struct bundle_signer *signer, const struct bundle_pubkey *pub,
		const char *snapshot_path, bool dry_run, struct mfa_publish_result *res);

#endif
