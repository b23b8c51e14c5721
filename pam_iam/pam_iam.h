/* Internals of pam_iam.so shared by its files (nothing here is exported). */
#ifndef PAM_IAM_INTERNAL_H
#define PAM_IAM_INTERNAL_H

#include <stdbool.h>
#include <security/pam_modules.h>

#include "config/config.h"
#include "snapshot/snapshot_reader.h"

#define PAM_IAM_MAX_GROUPS 32
#define PAM_IAM_PROMPT "Verification code: "

/* Module arguments; -1 in a numeric field means "take it from the config". */
struct pam_iam_args {
	const char *config; /* config=FILE */
	int mfa;	    /* mfa=required|if-enrolled|off, enum mfa_policy or -1 */
	const char *groups[PAM_IAM_MAX_GROUPS]; /* groups=G1,G2 (points into groups_buf) */
	size_t ngroups;
	bool groups_set;
	char groups_buf[1024];
	long max_snapshot_age;	    /* max_snapshot_age=SECONDS */
	long window;		    /* window=STEPS */
	bool use_login_groups;	    /* login_groups: apply [keys] login_groups to this service */
	bool iam_mfa_check;	    /* if-enrolled: ask IAM for an MFA device (short deadline) */
	const char *iam_mfa_helper; /* iam_mfa_helper=PATH, default /usr/sbin or /usr/local/sbin
				       iam-login */
	bool nodelay;		    /* no failure delay request (pam_fail_delay) */
	bool debug;
	bool quiet;	  /* no messages to the user, no log line for non-IAM users */
	bool tell_silent; /* tell the user why even under PAM_SILENT (sudo < 1.9.16 always sets it)
			   */
};

/* One invocation: the config, the snapshot and what it says about the user. */
struct pam_iam_ctx {
	pam_handle_t *pamh;
	const char *phase; /* "auth", "account", "session" */
	int flags;
	struct pam_iam_args args;
	struct iam_config cfg;
	bool cfg_loaded;
	struct snap *snap;
	bool snap_on_handle;   /* snap belongs to the PAM handle (pam_set_data), not to us */
	struct snap_user user; /* valid when is_iam */
	bool is_iam;
	bool stale;	      /* snapshot older than max_snapshot_age */
	long snapshot_age;    /* seconds */
	const char *pam_user; /* as PAM gave it */
	/* log_clean()ed copies for audit lines */
	char user_c[80];
	char service_c[64];
	char rhost_c[128];
	char arn_c[256];
	char service_raw[64]; /* the service name to look rules up with */
};

/*
 * Parse argv into args. Unknown or malformed arguments are errors (logged), so a
 * typo like "mfa=requried" cannot silently weaken the policy. PAM_SUCCESS or
 * PAM_SERVICE_ERR.
 */
int pam_iam_parse_args(pam_handle_t *pamh, int argc, const char **argv, struct pam_iam_args *args);

/*
 * Parse arguments, load the config and the snapshot, and look the user up.
 * On PAM_SUCCESS ctx is ready (ctx->is_iam says whether the user is IAM-managed).
 * Any other value is the final answer for this call (already logged), for
 * example PAM_IGNORE for a local user when the snapshot cannot be read.
 * unavail is what to return when an IAM user cannot be checked (phase specific).
 * Always call pam_iam_end() afterwards.
 */
int pam_iam_begin(struct pam_iam_ctx *ctx, pam_handle_t *pamh, const char *phase, int flags,
		  int argc, const char **argv, int unavail);
void pam_iam_end(struct pam_iam_ctx *ctx);

/* The effective MFA policy and window after module arguments. */
enum mfa_policy pam_iam_policy(const struct pam_iam_ctx *ctx);
unsigned pam_iam_window(const struct pam_iam_ctx *ctx);

/*
 * One audit line (LOG_AUTHPRIV) for a decision:
 * "pam_iam(SERVICE:PHASE): RESULT user=U arn=A rhost=H reason=R".
 * reason is a fixed string or already cleaned.
 */
void pam_iam_audit(const struct pam_iam_ctx *ctx, int prio, const char *result, const char *reason);

/* A message to the user (PAM_ERROR_MSG) unless quiet, or PAM_SILENT without tell_silent. */
void pam_iam_tell(const struct pam_iam_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Debug line to syslog when the debug argument is set. */
void pam_iam_debug(const struct pam_iam_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Is the IAM user a member of one of the groups (IAM name, case-insensitive, or Linux name)? */
bool pam_iam_user_in_groups(const struct pam_iam_ctx *ctx, const char *const *groups,
			    size_t ngroups);

/*
 * The service's group gate ([pam] service.NAME, groups=, login_groups for
 * sshd). 0 when the user may use the service (*had_rule says whether a rule
 * applied); -1 after logging the denial and telling the user who may.
 */
int pam_iam_gate(const struct pam_iam_ctx *ctx, bool *had_rule);

/*
 * Does IAM list an MFA device for the user? Asks `iam-login mfa status USER
 * --iam-count` in a child killed after 3 s. 1 yes, 0 no, negative errno when
 * IAM could not say.
 */
int pam_iam_has_iam_mfa(const struct pam_iam_ctx *ctx);

struct spawn_result;
/*
 * Run the iam-login helper (root-owned, [--config CFG] ARGS...) as a child with
 * a minimal environment, killed deadline_ms from now. spawn_run's answer;
 * always spawn_result_free(res) afterwards.
 */
int pam_iam_run_helper(const struct pam_iam_ctx *ctx, const char *const *args, long deadline_ms,
		       struct spawn_result *res);

/*
 * Record step as the user's last accepted step in the replay table. 1
 * recorded, 0 the step (or a later one) was already accepted on some host,
 * negative errno when the guard could not say (why gets the reason).
 */
int pam_iam_replay_guard(const struct pam_iam_ctx *ctx, long long step, char *why, size_t n);

#endif
