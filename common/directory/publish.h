/*
 * Fleet mode, the publisher (decisions 14-15): read IAM once, as a sync does
 * (never a partial directory, the removal guard), and upload the result as a
 * signed bundle to [publish] destination/directory.bundle for every host to
 * fetch. The upload is conditional on the ETag read before the sync (or on
 * there being none), so two publishers never interleave: the loser is told,
 * not retried. An unchanged directory is not uploaded again until the bundle
 * is republish_after old. The publisher's files live in <state_dir>/publish.
 */
#ifndef IAM_PUBLISH_H
#define IAM_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "config/config.h"
#include "directory/mfa_publish.h"

#define PUBLISH_WORK_DIR "publish"

struct publish_options {
	bool force;   /* past the removal guard; replace a bundle signed by another key */
	bool dry_run; /* everything but the upload */
};

enum publish_outcome {
	PUBLISH_UPLOADED,
	PUBLISH_UNCHANGED,
	PUBLISH_FAILED,
	PUBLISH_REFUSED,   /* removal guard, foreign bundle */
	PUBLISH_LOST_RACE, /* another publisher uploaded since we read the bundle */
};

struct publish_result {
	enum publish_outcome outcome;
	uint64_t generation; /* uploaded, or the current one */
	uint64_t previous_generation;
	size_t nusers, ngroups, nexcluded, removed;
	size_t bytes;	    /* of the uploaded bundle */
	unsigned iam_calls; /* HTTP requests to IAM, retries included */
	unsigned s3_calls;  /* to S3 and KMS */
	double seconds;
	char etag[130];
	struct iam_err err;
	bool mfa_on; /* [mfa] fleet_kms_key set: the MFA bundle was merged too */
	struct mfa_publish_result mfa;
};

/* One publish. 0 when uploaded or unchanged; -errno otherwise, res->err says why. */
int publish_run(const struct iam_config *cfg, const struct publish_options *opt,
		struct publish_result *res);

const char *publish_outcome_name(enum publish_outcome o);

#endif
