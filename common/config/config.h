/* iam-login configuration: one INI file shared by every tool and module. */
#ifndef IAM_CONFIG_H
#define IAM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>

#include "base/error.h"
#include "base/paths.h"
#include "base/strlist.h"

enum mfa_policy { MFA_OFF = 0, MFA_IF_ENROLLED, MFA_REQUIRED };

/* One service's rule: IAM groups whose members may use it ([pam] service.X). */
struct service_rule {
	char *service;
	struct str_list groups;
};

struct iam_config {
	char *path; /* the file this came from (NULL for defaults) */

	/* [aws] */
	char *region;		 /* default us-east-1 */
	char *iam_endpoint;	 /* default https://iam.amazonaws.com */
	char *sts_endpoint;	 /* default https://sts.<region>.amazonaws.com */
	char *imds_endpoint;	 /* default http://169.254.169.254 */
	char *s3_endpoint;	 /* default https://s3.<region>.amazonaws.com (virtual-hosted) */
	char *kms_endpoint;	 /* default https://kms.<region>.amazonaws.com */
	char *dynamodb_endpoint; /* default https://dynamodb.<region>.amazonaws.com */
	char *profile;		 /* shared-config profile; NULL: AWS_PROFILE or "default" */
	char *role_arn;		 /* optional AssumeRole target */
	char *external_id;
	char *role_session_name; /* default "iam-login" */
	long connect_timeout_ms; /* connect_timeout (seconds, may be fractional), default 2 */
	long timeout_ms;	 /* timeout: overall deadline per operation, default 10 */
	bool imds_v1_fallback;	 /* default no */
	unsigned max_retries;	 /* default 5 */
	unsigned page_size;	 /* MaxItems per IAM page, default 1000 (tests use 2) */

	/* [directory] */
	char *state_dir;	   /* default /var/lib/iam-login */
	uint32_t uid_min, uid_max; /* default 200000000..299999999 */
	uint32_t gid_min, gid_max; /* default same as uid */
	char *group_prefix;	   /* default "iam-" */
	char *sync_user;	   /* root's `sync` fetches as this user; default iam-login */
	char *users_group;	   /* Linux group of every IAM user; default iam-users, "" none */
	struct str_list strip_suffixes; /* e.g. "@example.com" */
	struct str_list visible_groups; /* IAM group names; empty: everyone */
	char *path_prefix;		/* IAM path prefix filter, default "/" */
	char *home_base;		/* default /home */
	char *default_shell;		/* default /bin/bash */
	char *gecos_tag;		/* IAM tag to take gecos from; default "iam-login:gecos" */
	char *shell_tag;		/* default "iam-login:shell" */
	char *uid_tag;			/* default "iam-login:uid" */
	char *gid_tag;			/* (groups) default "iam-login:gid" */
	struct str_list merge_groups;	/* local groups an IAM group may merge into (explicit) */
	unsigned max_removal_percent;	/* default 25 */
	long sync_timeout_ms;		/* the whole sync or publish, default 120 s */
	/* fleet mode (decision 14): fetch a signed bundle instead of calling IAM */
	char *directory_source;	  /* "s3://BUCKET/PREFIX" or NULL (direct from IAM) */
	char *signing_public_key; /* PEM the bundle must verify with (root's file) */
	char *source_account;	  /* 12 digits the bundle must name, or NULL */

	/* [keys] */
	char *keys_cache_dir;		/* default /var/cache/iam-login/keys */
	long keys_ttl;			/* positive TTL seconds, default 300 */
	long keys_negative_ttl;		/* default 60 */
	long keys_refresh_min_interval; /* offered key missing from a fresh list; default 10 */
	long keys_max_stale;   /* serve stale keys during outage up to this age, default 86400 */
	long keys_deadline_ms; /* default 5000 */
	struct str_list key_types;    /* allowed types */
	struct str_list login_groups; /* IAM groups that may log in; empty: every visible user */
	bool keys_allow_root;	      /* allow running as root, default no */
	char *keys_chain; /* second AuthorizedKeysCommand run after ours (EC2 Instance Connect), or
			     NULL */

	/* [mfa] */
	char *mfa_usersfile;	    /* default /etc/iam-login/totp.users */
	enum mfa_policy mfa_policy; /* default if-enrolled */
	unsigned mfa_window;	    /* steps either side, default 1 */
	unsigned mfa_digits;	    /* 6 */
	char *mfa_issuer;	    /* otpauth issuer, default "iam-login" */
	/* fleet MFA (decision 16): enrolment objects and the MFA bundle are SSE-KMS
	 * with this key; set on the publisher, it also publishes the MFA bundle */
	char *mfa_fleet_kms_key;
	char *mfa_replay_table; /* DynamoDB table of the cross-host replay guard, or NULL */
	bool mfa_replay_deny;	/* guard unreachable: refuse (deny) instead of local state */

	/* [publish] (the one publisher of a fleet) */
	char *publish_destination;    /* "s3://BUCKET/PREFIX" or NULL */
	char *publish_signing_key;    /* "kms:KEY-ID-OR-ARN-OR-ALIAS" or an absolute PEM path */
	long publish_republish_after; /* re-sign an unchanged directory after; default 3600 */

	/* [pam] */
	long max_snapshot_age;	       /* seconds; 0 = unchecked; default 86400 */
	struct service_rule *services; /* service.sudo = iam-admins, ... */
	size_t nservices;
};

/* Where a config error was found, for "file:line: message". */
struct config_error {
	char file[PATH_MAX];
	int line;
	struct iam_err err;
};

/* Fill cfg with defaults. Always succeeds unless out of memory (-ENOMEM). */
int config_defaults(struct iam_config *cfg);

/*
 * Load path (after defaults). Unknown sections/keys, bad values, and a file not
 * owned by root or writable by group/others are errors (-EINVAL / -EPERM / -errno),
 * described in err. The ownership check is skipped when the environment variable
 * IAM_LOGIN_TEST_MODE=1 is set (read with secure_getenv, so never under setuid).
 */
int config_load(const char *path, struct iam_config *cfg, struct config_error *err);

/* The path to use: explicit if given, else $IAM_LOGIN_CONF, else the default. */
const char *config_path(const char *explicit_path);

/* Groups a service requires ([pam] service.NAME), or NULL when none configured. */
const struct str_list *config_service_groups(const struct iam_config *cfg, const char *service);

void config_free(struct iam_config *cfg);

#endif
