/*
 * iam-login mfa, the fleet half (decision 16): enrol once into
 * s3://BUCKET/PREFIX/mfa/<IAM user name> (SSE-KMS), remove from there, pull
 * the published MFA bundle into this host's usersfile (root), and the replay
 * guard pam_iam's helper child runs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/aws.h"
#include "aws/dynamodb.h"
#include "aws/s3.h"
#include "aws/sts.h"
#include "base/log.h"
#include "base/wipe.h"
#include "directory/mfa_fleet.h"
#include "directory/mfa_pull.h"
#include "iam/iam_api.h"
#include "iam/iam_validate.h"
#include "mfa/totp.h"
#include "mfa/usersfile.h"
#include "mfa_cli.h"

#define GUARD_EXIT_REPLAYED 3

static const char *fleet_url(const struct iam_config *cfg, const struct enroll_opts *o)
{
	if (o->store)
		return o->store;
	return cfg->publish_destination ? cfg->publish_destination : cfg->directory_source;
}

/*
 * Who is enrolled: --self is the caller (sts:GetCallerIdentity, an IAM user's
 * ARN); --fleet USER is looked up in IAM (iam:GetUser) for the immutable UserId.
 */
static int resolve_user(struct aws_client *c, const char *user, bool self,
			struct mfa_fleet_entry *e)
{
	struct aws_error err = {0};
	char ebuf[700];
	int r;

	if (self) {
		struct sts_identity id = {0};
		const char *name;

		r = sts_get_caller_identity(c, &id, &err);
		if (r < 0) {
			fprintf(stderr, "iam-login mfa: GetCallerIdentity: %s\n",
				aws_error_str(&err, ebuf, sizeof(ebuf)));
			return r;
		}
		name = id.arn ? strrchr(id.arn, '/') : NULL;
		if (!id.arn || !strstr(id.arn, ":user/") || !name || !id.user_id ||
		    !iam_valid_user_name(name + 1) || strlen(id.user_id) >= sizeof(e->user_id)) {
			fprintf(stderr,
				"iam-login mfa --self: the credentials are not an IAM user's (%s): "
				"use your own access key, not a role\n",
				id.arn ? id.arn : "no ARN");
			sts_identity_free(&id);
			return -EPERM;
		}
		if (user && strcmp(user, name + 1) != 0) {
			fprintf(stderr,
				"iam-login mfa --self: these credentials are %s's, not %s's\n",
				name + 1, user);
			sts_identity_free(&id);
			return -EPERM;
		}
		snprintf(e->user_name, sizeof(e->user_name), "%s", name + 1);
		snprintf(e->user_id, sizeof(e->user_id), "%s", id.user_id);
		sts_identity_free(&id);
		return 0;
	}
	struct iam_user u = {0};

	r = iam_get_user(c, user, &u, &err);
	if (r < 0) {
		fprintf(stderr, "iam-login mfa: GetUser %s: %s\n", user,
			aws_error_str(&err, ebuf, sizeof(ebuf)));
		return r;
	}
	if (!u.id || strlen(u.id) >= sizeof(e->user_id) || !u.name ||
	    strlen(u.name) >= sizeof(e->user_name)) {
		iam_user_free(&u);
		return -EBADMSG;
	}
	snprintf(e->user_name, sizeof(e->user_name), "%s", u.name);
	snprintf(e->user_id, sizeof(e->user_id), "%s", u.id);
	iam_user_free(&u);
	return 0;
}

static int fleet_client(const struct iam_config *cfg, struct aws_client **c)
{
	struct aws_error err = {0};
	char ebuf[700];
	int r = aws_client_new(cfg, 0, c, &err);

	if (r < 0)
		fprintf(stderr, "iam-login mfa: AWS credentials: %s\n",
			aws_error_str(&err, ebuf, sizeof(ebuf)));
	return r;
}

int mfa_fleet_enroll(const struct iam_config *cfg, const char *user, const struct enroll_opts *o)
{
	const char *url = fleet_url(cfg, o);
	const char *kms = o->kms_key ? o->kms_key : cfg->mfa_fleet_kms_key;
	const char *issuer = o->issuer ? o->issuer : cfg->mfa_issuer;
	struct mfa_fleet_entry e;
	struct aws_client *c = NULL;
	struct aws_error err = {0};
	struct iam_err perr = {0};
	char bucket[64], key[1100], ebuf[700], *body = NULL;
	size_t blen = 0, len = TOTP_SECRET_BYTES;
	int r;

	if (!url || !kms) {
		fprintf(stderr,
			"iam-login mfa: a fleet enrolment needs the store and its key: [publish] "
			"destination (or [directory] source) and [mfa] fleet_kms_key, or --store "
			"s3://BUCKET/PREFIX --kms-key KEY\n");
		return 2;
	}
	memset(&e, 0, sizeof(e));
	if (fleet_client(cfg, &c) < 0)
		return 1;
	r = resolve_user(c, user, o->self, &e);
	if (r == 0 && mfa_fleet_object_location(url, e.user_name, bucket, sizeof(bucket), key,
						sizeof(key), &perr) < 0) {
		fprintf(stderr, "iam-login mfa: %s\n", perr.msg);
		r = -EINVAL;
	}
	if (r < 0)
		goto out;
	e.digits = o->iam ? 6 : cfg->mfa_digits;
	e.period = TOTP_DEFAULT_PERIOD;
	if (o->iam) {
		struct snap_user u = {.iam_name = e.user_name};
		r = mfa_enroll_iam(cfg, o, &u, issuer, e.secret, &len);
	} else {
		char label[160];
		r = totp_new_secret(e.secret, len);
		snprintf(label, sizeof(label), "%s (fleet)", e.user_name);
		if (r == 0)
			r = mfa_show_and_confirm(o, issuer, label, e.secret, len, e.digits,
						 e.period, cfg->mfa_window);
	}
	e.secret_len = len;
	if (r == 0)
		r = mfa_enrolment_encode(&e, &body, &blen);
	if (r < 0)
		goto out;
	/* create-only unless --force: an enrolment is never replaced by accident */
	r = s3_put_object(c, bucket, key, body, blen, "text/plain", NULL, !o->force, kms, NULL, 0,
			  &err);
	if (r == -EALREADY) {
		fprintf(stderr,
			"iam-login mfa: %s is already enrolled in the fleet (s3://%s/%s); use "
			"--force to replace the secret\n",
			e.user_name, bucket, key);
	} else if (r < 0) {
		fprintf(stderr, "iam-login mfa: S3 PUT s3://%s/%s: %s%s\n", bucket, key,
			aws_error_str(&err, ebuf, sizeof(ebuf)),
			r == -EACCES ? (o->self ? " (--self needs the self-service policy and an "
						  "MFA-authenticated session)"
						: " (needs conf/iam-policy-mfa-admin.json)")
				     : "");
	} else {
		log_audit(LOG_NOTICE, "iam-login mfa: fleet enrolment user=%s id=%s by=%s",
			  e.user_name, e.user_id, o->self ? "self" : "admin");
		fprintf(stderr,
			"%s is enrolled for the fleet (s3://%s/%s): every host has the secret "
			"after the next 'iam-login publish' and 'iam-login mfa pull'.\n",
			e.user_name, bucket, key);
	}
out:
	if (body)
		wipe_free(body, blen);
	wipe(e.secret);
	aws_client_free(c);
	return r == 0 ? 0 : 1;
}

int mfa_fleet_remove(const struct iam_config *cfg, const char *user, const struct enroll_opts *o)
{
	const char *url = fleet_url(cfg, o);
	struct mfa_fleet_entry e;
	struct aws_client *c = NULL;
	struct aws_error err = {0};
	struct iam_err perr = {0};
	char bucket[64], key[1100], ebuf[700];
	int r;

	if (!url) {
		fprintf(stderr, "iam-login mfa: no fleet store: [publish] destination, [directory] "
				"source or --store s3://BUCKET/PREFIX\n");
		return 2;
	}
	memset(&e, 0, sizeof(e));
	if (fleet_client(cfg, &c) < 0)
		return 1;
	if (o->self)
		r = resolve_user(c, user, true, &e);
	else
		r = snprintf(e.user_name, sizeof(e.user_name), "%s", user) <
			    (int)sizeof(e.user_name)
			? 0
			: -EINVAL;
	if (r == 0 && mfa_fleet_object_location(url, e.user_name, bucket, sizeof(bucket), key,
						sizeof(key), &perr) < 0) {
		fprintf(stderr, "iam-login mfa: %s\n", perr.msg);
		r = -EINVAL;
	}
	if (r == 0) {
		r = s3_delete_object(c, bucket, key, &err);
		if (r < 0)
			fprintf(stderr, "iam-login mfa: S3 DELETE s3://%s/%s: %s\n", bucket, key,
				aws_error_str(&err, ebuf, sizeof(ebuf)));
		else
			printf("removed the fleet enrolment of %s: hosts drop the secret after the "
			       "next publish and pull\n",
			       e.user_name);
	}
	if (r == 0)
		log_audit(LOG_NOTICE, "iam-login mfa: fleet enrolment removed user=%s",
			  e.user_name);
	aws_client_free(c);
	return r == 0 ? 0 : 1;
}

int mfa_fleet_pull(const struct iam_config *cfg, bool quiet)
{
	struct mfa_pull_result res;
	int r;

	if (geteuid() != 0) {
		fprintf(stderr, "iam-login mfa pull: run it as root: it writes the TOTP secrets "
				"only root may read\n");
		return 1;
	}
	r = mfa_pull(cfg, &res);
	if (r < 0) {
		char clean[sizeof(res.err.msg)];
		fprintf(stderr, "iam-login mfa pull: %s\n", res.err.msg);
		log_audit(LOG_WARNING, "iam-login mfa pull failed: %s",
			  log_clean(clean, sizeof(clean), res.err.msg));
		return 1;
	}
	if (!res.unchanged)
		log_audit(LOG_NOTICE,
			  "iam-login mfa pull: generation %llu: %zu users (%zu new or changed, %zu "
			  "kept, %zu removed)",
			  (unsigned long long)res.generation, res.users, res.added, res.kept,
			  res.removed);
	if (quiet)
		return 0;
	if (res.unchanged)
		printf("unchanged: MFA generation %llu, %zu users, %u S3 calls\n",
		       (unsigned long long)res.generation, res.users, res.calls);
	else
		printf("installed MFA generation %llu: %zu users (%zu new or changed, %zu kept, "
		       "%zu removed), %u S3 calls\n",
		       (unsigned long long)res.generation, res.users, res.added, res.kept,
		       res.removed, res.calls);
	return 0;
}

int mfa_fleet_guard(const struct iam_config *cfg, const char *user_id, const char *step)
{
	struct iam_config quick = *cfg; /* shallow: strings stay cfg's */
	struct aws_client *c = NULL;
	struct aws_error err = {0};
	char host[256] = "", ebuf[700], *end;
	long long n;
	int r;

	errno = 0;
	n = strtoll(step, &end, 10);
	if (errno || end == step || *end || n < 0 || !usersfile_valid_user(user_id)) {
		fprintf(stderr, "iam-login mfa guard: expected USER_ID STEP\n");
		return 2;
	}
	if (!cfg->mfa_replay_table) {
		fprintf(stderr, "iam-login mfa guard: [mfa] replay_table is not set\n");
		return 1;
	}
	/* pam_iam kills us after 2 s: keep every wait inside that */
	if (quick.timeout_ms <= 0 || quick.timeout_ms > 1500)
		quick.timeout_ms = 1500;
	if (quick.connect_timeout_ms <= 0 || quick.connect_timeout_ms > 800)
		quick.connect_timeout_ms = 800;
	quick.max_retries = 1;
	r = aws_client_new(&quick, 0, &c, &err);
	if (r == 0) {
		aws_client_set_deadline(c, 1800);
		gethostname(host, sizeof(host) - 1);
		r = ddb_record_step(c, cfg->mfa_replay_table, user_id, n, host, &err);
	}
	aws_client_free(c);
	if (r == 0) {
		printf("recorded\n");
		return 0;
	}
	if (r == -EALREADY) {
		printf("replayed\n");
		return GUARD_EXIT_REPLAYED;
	}
	fprintf(stderr, "iam-login mfa guard: DynamoDB %s: %s\n", cfg->mfa_replay_table,
		aws_error_str(&err, ebuf, sizeof(ebuf)));
	return 1;
}
