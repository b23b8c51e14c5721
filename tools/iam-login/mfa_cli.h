/* Between cmd_mfa.c (this host's usersfile) and cmd_mfa_fleet.c (the fleet's S3 store). */
#ifndef IAM_MFA_CLI_H
#define IAM_MFA_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "snapshot/snapshot_reader.h"

struct enroll_opts {
	bool confirm, qr, force, iam;
	bool fleet, self;
	const char *issuer;
	const char *store;   /* --store s3://BUCKET/PREFIX, else the config's */
	const char *kms_key; /* --kms-key, else [mfa] fleet_kms_key */
};

/* Print the otpauth URI (and QR code), ask for a code unless --no-confirm. 0 or -errno. */
int mfa_show_and_confirm(const struct enroll_opts *o, const char *issuer, const char *label,
			 const unsigned char *secret, size_t len, unsigned digits, unsigned period,
			 unsigned window);

/* --iam: IAM makes the seed, enabled after confirmation; into secret/len. 0 or -errno. */
int mfa_enroll_iam(const struct iam_config *cfg, const struct enroll_opts *o,
		   const struct snap_user *u, const char *issuer, unsigned char *secret,
		   size_t *len);

/* The fleet subcommands; each returns the exit status. user: NULL with --self. */
int mfa_fleet_enroll(const struct iam_config *cfg, const char *user, const struct enroll_opts *o);
int mfa_fleet_remove(const struct iam_config *cfg, const char *user, const struct enroll_opts *o);
int mfa_fleet_pull(const struct iam_config *cfg, bool quiet);
int mfa_fleet_guard(const struct iam_config *cfg, const char *user_id, const char *step);

#endif
