/*
 * Fleet MFA (decision 16): the text formats of an enrolment object
 * (s3://BUCKET/PREFIX/mfa/<IAM user name>, one user's secret, written by
 * `iam-login mfa enroll --fleet/--self`) and of the MFA bundle's payload (every
 * enrolled user, merged by the publisher). Both are parsed strictly: a field
 * out of place is an error, never a guess. Secrets are wiped on free.
 *
 *   enrolment object              payload (after the line bundle.c checks)
 *   iam-login-mfa-enrolment-1     USER_ID TAB USER_NAME TAB DIGITS TAB PERIOD TAB
 *   user_name=alice                 SECRET_HEX TAB SOURCE_ETAG LF   (one per user,
 *   user_id=AIDA...                 sorted by USER_ID, no duplicates)
 *   digits=6
 *   period=30
 *   secret=HEX
 */
#ifndef IAM_MFA_FLEET_H
#define IAM_MFA_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "directory/bundle.h"

#define MFA_FLEET_PREFIX "mfa/" /* under the fleet prefix */
#define MFA_FLEET_BUNDLE "mfa.bundle"
#define MFA_FLEET_MAX_SECRET 64
#define MFA_FLEET_MAX_OBJECT 1024
#define MFA_FLEET_MAX_USERS 100000

struct mfa_fleet_entry {
	char user_id[129];
	char user_name[65];
	unsigned digits; /* 6..8 */
	unsigned period; /* 1..3600 s */
	unsigned char secret[MFA_FLEET_MAX_SECRET];
	size_t secret_len; /* 10..64 */
	char etag[130];	   /* of the enrolment object this came from ("" when unknown) */
};

struct mfa_fleet_set {
	struct mfa_fleet_entry *e;
	size_t n;
};

/*
 * Where user's enrolment object lives under the fleet URL (s3://BUCKET/PREFIX):
 * bucket and key, the name percent-encoded for the signed path ('@' of
 * alice@example.com). 0 or -EINVAL with err set.
 */
int mfa_fleet_object_location(const char *url, const char *user_name, char *bucket, size_t bn,
			      char *key, size_t kn, struct iam_err *err);

/* The enrolment object for e (malloc'd, wipe_free it). 0 or -errno. */
int mfa_enrolment_encode(const struct mfa_fleet_entry *e, char **out, size_t *len);
/* Parse one; e->etag is left as it was. 0 or -EBADMSG with err saying why. */
int mfa_enrolment_parse(const char *buf, size_t len, struct mfa_fleet_entry *e,
			struct iam_err *err);

/* The payload for info (sorts s by user id). 0, -EEXIST (a user twice), -errno. */
int mfa_payload_encode(const struct bundle_info *info, struct mfa_fleet_set *s, char **out,
		       size_t *len);
/* Parse a verified payload (its first line was checked by bundle_verify_mfa). */
int mfa_payload_parse(const char *buf, size_t len, struct mfa_fleet_set *s, struct iam_err *err);

/* Append a copy of e. 0 or -ENOMEM. */
int mfa_fleet_set_add(struct mfa_fleet_set *s, const struct mfa_fleet_entry *e);
/* The entry with user_name, or NULL. */
const struct mfa_fleet_entry *mfa_fleet_set_by_name(const struct mfa_fleet_set *s,
						    const char *user_name);
/* By user id, the payload's order. */
void mfa_fleet_set_sort(struct mfa_fleet_set *s);
/* Do a and b (both sorted) hold the same users with the same secrets (etags aside)? */
int mfa_fleet_set_equal(const struct mfa_fleet_set *a, const struct mfa_fleet_set *b);
void mfa_fleet_set_free(struct mfa_fleet_set *s);

#endif
