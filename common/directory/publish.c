/* iam-login publish: sync once, sign, upload conditionally (see publish.h). */
#include "directory/publish.h"

#include "aws/aws.h"
#include "aws/kms.h"
#include "aws/s3.h"
#include "aws/s3url.h"
#include "aws/transport.h"
#include "base/clock.h"
#include "base/file.h"
#include "base/log.h"
#include "directory/bundle.h"
#include "directory/fleet_fetch.h"
#include "directory/status_record.h"
#include "directory/sync.h"
#include "snapshot/snapshot_format.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PUBLISHED_NAME "published.bundle"
#define PUBLISHED_ETAG "published.etag"
#define PREVIOUS_NAME "previous"
#define PUBLISH_LOCK ".publish.lock"
#define PUBLISH_STATUS "status.json"
#define MAX_BUNDLE (SNAPFMT_MAX_FILE + 64u * 1024u)

const char *publish_outcome_name(enum publish_outcome o)
{
	switch (o) {
	case PUBLISH_UPLOADED:
		return "uploaded";
	case PUBLISH_UNCHANGED:
		return "unchanged";
	case PUBLISH_REFUSED:
		return "refused";
	case PUBLISH_LOST_RACE:
		return "lost-race";
	case PUBLISH_FAILED:
		break;
	}
	return "failed";
}

/* What the publisher needs besides the config, freed in one place. */
struct publisher {
	char work[PATH_MAX];
	struct s3_location loc;
	struct aws_client *aws; /* S3 and KMS */
	struct bundle_signer signer;
	struct bundle_pubkey *pub;
	const char *kms_key; /* NULL: a PEM file signs */
	char *current;	     /* the bundle in S3 now (as last read), or NULL */
	size_t current_len;
	char current_etag[130];
	struct bundle_info current_info;
	bool current_verified;
};

static int kms_sign_cb(void *ctx, const void *msg, size_t len, unsigned char *sig, size_t *siglen,
		       struct iam_err *err)
{
	struct publisher *p = ctx;
	struct aws_error aerr;
	char buf[700];
	int r;

	memset(&aerr, 0, sizeof(aerr));
	r = kms_sign(p->aws, p->kms_key, msg, len, sig, siglen, &aerr);
	if (r < 0)
		return err_set(err, r, "KMS Sign with %.200s: %s", p->kms_key,
			       aws_error_str(&aerr, buf, sizeof(buf)));
	return 0;
}

static int path_in(const struct publisher *p, const char *name, char *buf, size_t n)
{
	if ((size_t)snprintf(buf, n, "%s/%s", p->work, name) >= n)
		return -ENAMETOOLONG;
	return 0;
}

/* <state_dir>/publish: this user's own 0700 directory. */
static int prepare_work_dir(const struct iam_config *cfg, struct publisher *p,
			    struct publish_result *res)
{
	struct stat st;

	if ((size_t)snprintf(p->work, sizeof(p->work), "%s/%s", cfg->state_dir, PUBLISH_WORK_DIR) >=
	    sizeof(p->work))
		return err_set(&res->err, -ENAMETOOLONG, "state_dir too long");
	if (mkdir(p->work, 0700) < 0 && errno != EEXIST)
		return err_set(&res->err, -errno,
			       "creating %.300s: %s (as root: install -d -o iam-login -g "
			       "iam-login -m 0700 %.300s)",
			       p->work, strerror(errno), p->work);
	if (lstat(p->work, &st) < 0)
		return err_set(&res->err, -errno, "%.300s: %s", p->work, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return err_set(&res->err, -EPERM,
			       "%.300s must be a directory of the publishing user, mode 0700",
			       p->work);
	return 0;
}

static int setup_signer(const struct iam_config *cfg, struct publisher *p,
			struct publish_result *res)
{
	const char *key = cfg->publish_signing_key;
	struct aws_error aerr;
	unsigned char *der = NULL;
	size_t der_len = 0;
	char buf[700];
	int r;

	if (strncmp(key, "kms:", 4) != 0)
		return bundle_signer_from_pem_file(key, &p->signer, &p->pub, &res->err);
	p->kms_key = key + 4;
	memset(&aerr, 0, sizeof(aerr));
	r = kms_get_public_key(p->aws, p->kms_key, &der, &der_len, &aerr);
	if (r < 0)
		return err_set(&res->err, r, "KMS GetPublicKey of %.200s: %s", p->kms_key,
			       aws_error_str(&aerr, buf, sizeof(buf)));
	r = bundle_pubkey_from_der(der, der_len, &p->pub, &res->err);
	free(der);
	if (r < 0)
		return r;
	p->signer.sign = kms_sign_cb;
	p->signer.ctx = p;
	return 0;
}

/*
 * The bundle in S3 now: one conditional GET against the copy kept from the last
 * run (a 304 costs nothing more). A bundle this publisher's key did not sign is
 * not ours to replace without --force.
 */
static int read_current(const struct publish_options *opt, struct publisher *p,
			struct publish_result *res)
{
	char path[PATH_MAX], etag_path[PATH_MAX], *etag = NULL, buf[700];
	struct aws_error aerr;
	struct s3_object obj;
	size_t elen = 0;
	const void *payload;
	size_t payload_len;
	int r;

	if (path_in(p, PUBLISHED_NAME, path, sizeof(path)) < 0 ||
	    path_in(p, PUBLISHED_ETAG, etag_path, sizeof(etag_path)) < 0)
		return err_set(&res->err, -ENAMETOOLONG, "state_dir too long");
	if (file_read_bounded(etag_path, sizeof(p->current_etag) - 1, &etag, &elen) == 0 &&
	    (elen == 0 || strspn(etag, "\"abcdefABCDEF0123456789-") != elen)) {
		free(etag);
		etag = NULL;
	}
	if (etag && file_read_bounded(path, MAX_BUNDLE, &p->current, &p->current_len) < 0) {
		free(etag);
		etag = NULL;
	}
	memset(&aerr, 0, sizeof(aerr));
	memset(&obj, 0, sizeof(obj));
	r = s3_get_object(p->aws, p->loc.bucket, p->loc.key, etag, MAX_BUNDLE, &obj, &aerr);
	if (r == -ENOENT) {
		free(etag);
		free(p->current);
		p->current = NULL;
		return 0; /* the first publish */
	}
	if (r < 0) {
		free(etag);
		return err_set(&res->err, r, "S3 GET s3://%s/%s: %s", p->loc.bucket, p->loc.key,
			       aws_error_str(&aerr, buf, sizeof(buf)));
	}
	if (obj.not_modified) {
		snprintf(p->current_etag, sizeof(p->current_etag), "%s", etag);
	} else {
		free(p->current);
		p->current = obj.body;
		p->current_len = obj.len;
		obj.body = NULL;
		snprintf(p->current_etag, sizeof(p->current_etag), "%s", obj.etag);
	}
	free(etag);
	s3_object_free(&obj);
	struct iam_err verr = {0};

	r = bundle_verify(p->current, p->current_len, p->pub, &p->current_info, &payload,
			  &payload_len, &verr);
	if (r < 0) {
		if (!opt->force)
			return err_set(&res->err, -EPERM,
				       "s3://%s/%s is not a bundle of this publisher's key (%s): "
				       "another publisher, or a rotated key? --force replaces it",
				       p->loc.bucket, p->loc.key, verr.msg);
		return 0;
	}
	p->current_verified = true;
	res->previous_generation = p->current_info.generation;
	/* the previous directory, for the removal guard and the unchanged check */
	r = file_write_atomic(p->work, PREVIOUS_NAME, payload, payload_len, 0600, (uid_t)-1,
			      (gid_t)-1);
	if (r < 0)
		return err_set(&res->err, r, "writing %.300s/%s: %s", p->work, PREVIOUS_NAME,
			       strerror(-r));
	return 0;
}

/* Same users, groups and ids as the published payload (generation, time and checksum aside)? */
static bool same_directory(const void *a, size_t alen, const void *b, size_t blen)
{
	struct snapfmt_header ha, hb;

	if (alen != blen || alen < sizeof(ha))
		return false;
	memcpy(&ha, a, sizeof(ha));
	memcpy(&hb, b, sizeof(hb));
	ha.checksum = hb.checksum = 0;
	ha.generation = hb.generation = 0;
	ha.created = hb.created = 0;
	return memcmp(&ha, &hb, sizeof(ha)) == 0 &&
	       memcmp((const char *)a + sizeof(ha), (const char *)b + sizeof(hb),
		      alen - sizeof(ha)) == 0;
}

static int save_published(struct publisher *p, const void *bundle, size_t len, const char *etag)
{
	int r = file_write_atomic(p->work, PUBLISHED_NAME, bundle, len, 0600, (uid_t)-1, (gid_t)-1);

	if (r == 0)
		r = file_write_atomic(p->work, PUBLISHED_ETAG, etag, strlen(etag), 0600, (uid_t)-1,
				      (gid_t)-1);
	return r;
}

static int upload(const struct iam_config *cfg, const struct publish_options *opt,
		  struct publisher *p, struct publish_result *res)
{
	char cand_path[PATH_MAX], prev_path[PATH_MAX], *cand = NULL, *prev = NULL, buf[700];
	size_t cand_len = 0, prev_len = 0, out_len = 0;
	struct snapfmt_header h;
	struct bundle_info info;
	struct aws_error aerr;
	void *out = NULL;
	int r;

	if (path_in(p, IAM_SNAPSHOT_NAME, cand_path, sizeof(cand_path)) < 0 ||
	    path_in(p, PREVIOUS_NAME, prev_path, sizeof(prev_path)) < 0)
		return err_set(&res->err, -ENAMETOOLONG, "state_dir too long");
	r = file_read_bounded(cand_path, SNAPFMT_MAX_FILE, &cand, &cand_len);
	if (r < 0)
		return err_set(&res->err, r, "reading %.300s: %s", cand_path, strerror(-r));
	if (cand_len < sizeof(h)) {
		free(cand);
		return err_set(&res->err, -EBADMSG, "%.300s is not a snapshot", cand_path);
	}
	memcpy(&h, cand, sizeof(h));
	if (p->current_verified &&
	    file_read_bounded(prev_path, SNAPFMT_MAX_FILE, &prev, &prev_len) == 0 &&
	    same_directory(cand, cand_len, prev, prev_len) && !opt->force &&
	    (int64_t)time(NULL) - p->current_info.created < cfg->publish_republish_after) {
		res->outcome = PUBLISH_UNCHANGED;
		res->generation = p->current_info.generation;
		snprintf(res->etag, sizeof(res->etag), "%s", p->current_etag);
		r = 0;
		goto out;
	}
	memset(&info, 0, sizeof(info));
	memcpy(info.account, h.account, sizeof(info.account));
	info.account[sizeof(info.account) - 1] = '\0';
	info.generation = le64toh(h.generation);
	info.created = (int64_t)le64toh((uint64_t)h.created);
	if (!info.account[0]) {
		r = err_set(&res->err, -EINVAL,
			    "the directory names no AWS account (no IAM user): nothing a host "
			    "could check the bundle against");
		goto out;
	}
	r = bundle_encode(&info, cand, cand_len, &p->signer, p->pub, &out, &out_len, &res->err);
	if (r < 0)
		goto out;
	res->generation = info.generation;
	res->bytes = out_len;
	if (opt->dry_run) {
		res->outcome = PUBLISH_UPLOADED;
		goto out;
	}
	memset(&aerr, 0, sizeof(aerr));
	r = s3_put_object(p->aws, p->loc.bucket, p->loc.key, out, out_len,
			  "application/octet-stream", p->current ? p->current_etag : NULL,
			  p->current == NULL, NULL, res->etag, sizeof(res->etag), &aerr);
	if (r == -EALREADY) {
		res->outcome = PUBLISH_LOST_RACE;
		r = err_set(&res->err, -EALREADY,
			    "lost the race: s3://%s/%s changed since it was read (another "
			    "publisher?); not retried, the bundle there stays",
			    p->loc.bucket, p->loc.key);
		goto out;
	}
	if (r < 0) {
		err_set(&res->err, r, "S3 PUT s3://%s/%s: %s", p->loc.bucket, p->loc.key,
			aws_error_str(&aerr, buf, sizeof(buf)));
		goto out;
	}
	res->outcome = PUBLISH_UPLOADED;
	if (save_published(p, out, out_len, res->etag) < 0)
		/* the next run reads the bundle from S3 again: one more GET, nothing lost */
		(void)unlink(prev_path);
out:
	free(out);
	free(cand);
	free(prev);
	return r;
}

static void write_status(const struct iam_config *cfg, const struct publisher *p,
			 const struct publish_result *res, time_t started)
{
	json_t *o = json_object();
	char *text;

	if (!o)
		return;
	json_object_set_new(o, "time", json_integer((json_int_t)started));
	json_object_set_new(o, "result", json_string(publish_outcome_name(res->outcome)));
	json_object_set_new(o, "destination", json_string(cfg->publish_destination));
	json_object_set_new(o, "generation", json_integer((json_int_t)res->generation));
	json_object_set_new(o, "previous_generation",
			    json_integer((json_int_t)res->previous_generation));
	json_object_set_new(o, "users", json_integer((json_int_t)res->nusers));
	json_object_set_new(o, "groups", json_integer((json_int_t)res->ngroups));
	json_object_set_new(o, "excluded", json_integer((json_int_t)res->nexcluded));
	json_object_set_new(o, "removed", json_integer((json_int_t)res->removed));
	json_object_set_new(o, "bytes", json_integer((json_int_t)res->bytes));
	json_object_set_new(o, "iam_calls", json_integer(res->iam_calls));
	json_object_set_new(o, "s3_calls", json_integer(res->s3_calls));
	json_object_set_new(o, "seconds", json_real(res->seconds));
	json_object_set_new(o, "etag", res->etag[0] ? json_string(res->etag) : json_null());
	if (res->mfa_on) {
		json_object_set_new(o, "mfa_generation",
				    json_integer((json_int_t)res->mfa.generation));
		json_object_set_new(o, "mfa_users", json_integer((json_int_t)res->mfa.users));
		json_object_set_new(o, "mfa_uploaded", json_boolean(res->mfa.uploaded));
		json_object_set_new(o, "mfa_rejected", json_integer((json_int_t)res->mfa.rejected));
	}
	json_object_set_new(o, "error", res->err.msg[0] ? json_string(res->err.msg) : json_null());
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	if (text && status_record_write(p->work, PUBLISH_STATUS, text) < 0)
		fprintf(stderr, "iam-login: warning: writing %s/%s failed\n", p->work,
			PUBLISH_STATUS);
	free(text);
}

static int run(const struct iam_config *cfg, const struct publish_options *opt, struct publisher *p,
	       struct publish_result *res)
{
	struct sync_options so;
	struct sync_result sr;
	struct aws_error aerr;
	char prev_path[PATH_MAX], buf[700];
	uint64_t min_gen;
	int64_t t_start;
	int r;

	r = s3_location_parse(cfg->publish_destination, FLEET_BUNDLE_NAME, &p->loc, &res->err);
	if (r < 0)
		return r;
	memset(&aerr, 0, sizeof(aerr));
	r = aws_client_new(cfg, 0, &p->aws, &aerr);
	if (r < 0)
		return err_set(&res->err, r, "AWS credentials: %s",
			       aws_error_str(&aerr, buf, sizeof(buf)));
	/* one deadline for the whole publish: S3, KMS and the IAM pages together */
	aws_client_set_deadline(p->aws, cfg->sync_timeout_ms);
	t_start = clock_mono_ms();
	r = setup_signer(cfg, p, res);
	if (r == 0)
		r = read_current(opt, p, res);
	if (r < 0) {
		if (r == -EPERM)
			res->outcome = PUBLISH_REFUSED;
		return r;
	}
	if (path_in(p, PREVIOUS_NAME, prev_path, sizeof(prev_path)) < 0)
		return err_set(&res->err, -ENAMETOOLONG, "state_dir too long");
	if (!p->current_verified)
		(void)unlink(prev_path);

	/* Hosts never install a generation at or below theirs: stay above the bundle in
	 * S3 and above any counter a host got from syncing with IAM itself (those
	 * count from 1; the clock is far above). */
	min_gen = (uint64_t)time(NULL);
	if (p->current_verified && p->current_info.generation >= min_gen)
		min_gen = p->current_info.generation + 1;
	memset(&so, 0, sizeof(so));
	so.force = opt->force;
	so.work_dir = p->work;
	so.previous_path = prev_path;
	so.min_generation = min_gen;
	so.direct = true;
	so.timeout_ms = cfg->sync_timeout_ms - (long)(clock_mono_ms() - t_start);
	if (so.timeout_ms <= 0)
		return err_set(&res->err, -ETIMEDOUT, "sync_timeout passed before the IAM read");
	r = sync_run(cfg, &so, &sr);
	res->nusers = sr.nusers;
	res->ngroups = sr.ngroups;
	res->nexcluded = sr.nexcluded;
	res->removed = sr.removed;
	res->iam_calls = sr.calls;
	if (r < 0) {
		res->outcome = r == -ECANCELED ? PUBLISH_REFUSED : PUBLISH_FAILED;
		res->err = sr.err;
		return r;
	}
	r = upload(cfg, opt, p, res);
	if (r < 0 || !cfg->mfa_fleet_kms_key)
		return r;
	/* the MFA bundle follows the directory just published: its users, its key */
	char snap_path[PATH_MAX];
	if (path_in(p, IAM_SNAPSHOT_NAME, snap_path, sizeof(snap_path)) < 0)
		return err_set(&res->err, -ENAMETOOLONG, "state_dir too long");
	res->mfa_on = true;
	r = mfa_publish(cfg, p->aws, &p->signer, p->pub, snap_path, opt->dry_run, &res->mfa);
	if (r < 0) {
		res->outcome = PUBLISH_FAILED;
		res->err = res->mfa.err;
	}
	return r;
}

int publish_run(const struct iam_config *cfg, const struct publish_options *opt,
		struct publish_result *res)
{
	static const struct publish_options none;
	struct publisher p;
	time_t started = time(NULL);
	uint64_t t0 = clock_mono_ns();
	int lock_fd = -1, r;

	if (!opt)
		opt = &none;
	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	res->outcome = PUBLISH_FAILED;
	if (!cfg->publish_destination || !cfg->publish_signing_key)
		return err_set(&res->err, -EINVAL,
			       "[publish] destination and signing_key are not set in %.300s",
			       cfg->path ? cfg->path : "the config");
	r = prepare_work_dir(cfg, &p, res);
	if (r < 0)
		return r;
	r = sync_lock(p.work, PUBLISH_LOCK, &lock_fd);
	if (r < 0)
		return err_set(&res->err, r, "%.300s: %s", p.work,
			       r == -EBUSY ? "another publish is running" : strerror(-r));
	r = run(cfg, opt, &p, res);
	if (p.aws) {
		const struct aws_stats *st = aws_client_stats(p.aws);

		res->s3_calls = st->requests; /* S3 and KMS share the client */
	}
	res->seconds = (double)(clock_mono_ns() - t0) / 1e9;
	if (!opt->dry_run)
		write_status(cfg, &p, res, started);
	if (r == 0 && res->outcome == PUBLISH_UPLOADED && !opt->dry_run)
		log_audit(LOG_NOTICE,
			  "iam-login publish: generation %llu: %zu users, %zu groups to s3://%s/%s",
			  (unsigned long long)res->generation, res->nusers, res->ngroups,
			  p.loc.bucket, p.loc.key);
	else if (r < 0) {
		char clean[sizeof(res->err.msg)];

		log_audit(LOG_WARNING, "iam-login publish %s: %s",
			  publish_outcome_name(res->outcome),
			  log_clean(clean, sizeof(clean), res->err.msg));
	}
	close(lock_fd);
	free(p.current);
	bundle_signer_free(&p.signer);
	bundle_pubkey_free(p.pub);
	aws_client_free(p.aws);
	return r;
}
