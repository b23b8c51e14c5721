/* Fleet MFA: the publisher merges enrolment objects into the MFA bundle (mfa_publish.h). */
#include "directory/mfa_publish.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/s3.h"
#include "aws/s3url.h"
#include "base/wipe.h"
#include "directory/mfa_fleet.h"
#include "iam/iam_validate.h"
#include "snapshot/snapshot_reader.h"

#define MAX_MFA_BUNDLE (BUNDLE_MFA_MAX_PAYLOAD + 4096u)

struct known_user {
	const char *iam_name; /* into the snapshot's mapping */
	const char *iam_id;
};

static int cmp_known(const void *a, const void *b)
{
	return strcmp(((const struct known_user *)a)->iam_name,
		      ((const struct known_user *)b)->iam_name);
}

/* The directory's IAM users, sorted by IAM name. */
static int known_users(const struct snap *snap, struct known_user **out, size_t *n)
{
	struct snap_info info;
	struct known_user *k;

	snap_get_info(snap, &info);
	*n = 0;
	k = calloc(info.nusers ? info.nusers : 1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (uint32_t i = 0; i < info.nusers; i++) {
		struct snap_user u;
		if (snap_user_at(snap, i, &u) == 0 && u.iam_name && u.iam_id)
			k[(*n)++] = (struct known_user){u.iam_name, u.iam_id};
	}
	qsort(k, *n, sizeof(*k), cmp_known);
	*out = k;
	return 0;
}

/* The MFA bundle in S3 now, verified with our own key, into prev (empty when none). */
static int read_current(struct aws_client *aws, const struct s3_location *loc,
			const struct bundle_pubkey *pub, struct mfa_fleet_set *prev,
			struct bundle_info *info, char *etag, size_t en, struct iam_err *err)
{
	struct aws_error aerr = {0};
	struct s3_object obj;
	const void *payload;
	size_t plen;
	char buf[700];
	int r;

	memset(prev, 0, sizeof(*prev));
	memset(info, 0, sizeof(*info));
	etag[0] = '\0';
	r = s3_get_object(aws, loc->bucket, loc->key, NULL, MAX_MFA_BUNDLE, &obj, &aerr);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return err_set(err, r, "S3 GET s3://%s/%s: %s", loc->bucket, loc->key,
			       aws_error_str(&aerr, buf, sizeof(buf)));
	r = bundle_verify_mfa(obj.body, obj.len, pub, info, &payload, &plen, err);
	if (r == 0)
		r = mfa_payload_parse(payload, plen, prev, err);
	if (r == 0)
		snprintf(etag, en, "%s", obj.etag);
	else
		err_set(err, -EPERM,
			"s3://%s/%s is not an MFA bundle of this publisher's key: %s (remove it "
			"to start over)",
			loc->bucket, loc->key, err->msg);
	wipe_free(obj.body, obj.len);
	obj.body = NULL;
	return r < 0 ? -EPERM : 0;
}

/* One listed object into next: reused from prev when its ETag is unchanged. */
static int take_object(struct aws_client *aws, const struct iam_config *cfg, const char *bucket,
		       const struct s3_listed *it, const char *name, const struct known_user *k,
		       const struct mfa_fleet_set *prev, struct mfa_fleet_set *next,
		       struct mfa_publish_result *res)
{
	const struct mfa_fleet_entry *old = mfa_fleet_set_by_name(prev, name);
	struct mfa_fleet_entry e;
	struct aws_error aerr = {0};
	struct iam_err perr = {0};
	struct s3_object obj;
	char key[1100], b[64];
	int r;

	if (old && strcmp(old->etag, it->etag) == 0 && strcmp(old->user_id, k->iam_id) == 0)
		return mfa_fleet_set_add(next, old);
	if (mfa_fleet_object_location(cfg->publish_destination, name, b, sizeof(b), key,
				      sizeof(key), &perr) < 0)
		return 0;
	r = s3_get_object(aws, bucket, key, NULL, MFA_FLEET_MAX_OBJECT, &obj, &aerr);
	if (r == -ENOENT || r == -E2BIG) /* deleted since the listing, or not ours */
		return r == -E2BIG ? (res->rejected++, 0) : 0;
	if (r < 0) {
		char buf[700];
		return err_set(&res->err, r, "S3 GET s3://%s/%s: %s", bucket, key,
			       aws_error_str(&aerr, buf, sizeof(buf)));
	}
	res->read++;
	memset(&e, 0, sizeof(e));
	r = mfa_enrolment_parse(obj.body, obj.len, &e, &perr);
	wipe_free(obj.body, obj.len);
	obj.body = NULL;
	if (r == 0 && (strcmp(e.user_name, name) != 0 || strcmp(e.user_id, k->iam_id) != 0))
		r = err_set(&perr, -EPERM, "names user %s (%s), the directory has %s", e.user_name,
			    e.user_id, k->iam_id);
	if (r < 0) {
		fprintf(stderr, "iam-login publish: warning: s3://%s/%s refused: %s\n", bucket, key,
			perr.msg);
		res->rejected++;
		wipe(e.secret);
		return 0;
	}
	snprintf(e.etag, sizeof(e.etag), "%s", it->etag);
	r = mfa_fleet_set_add(next, &e);
	wipe(e.secret);
	return r;
}

int mfa_publish(const struct iam_config *cfg, struct aws_client *aws,
		const struct bundle_signer *signer, const struct bundle_pubkey *pub,
		const char *snapshot_path, bool dry_run, struct mfa_publish_result *res)
{
	struct s3_location bloc, ploc;
	struct mfa_fleet_set prev = {0}, next = {0};
	struct bundle_info cur, info;
	struct s3_listing list = {0};
	struct known_user *known = NULL;
	struct snap_info si;
	struct snap *snap = NULL;
	struct aws_error aerr = {0};
	char etag[130], buf[700], *payload = NULL;
	size_t nknown = 0, plen = 0, blen = 0, pfx;
	unsigned calls0 = aws_client_stats(aws)->requests;
	void *bundle = NULL;
	int64_t now = (int64_t)time(NULL);
	int r;

	memset(res, 0, sizeof(*res));
	r = s3_location_parse(cfg->publish_destination, MFA_FLEET_BUNDLE, &bloc, &res->err);
	if (r == 0)
		r = s3_location_parse(cfg->publish_destination, MFA_FLEET_PREFIX, &ploc, &res->err);
	if (r < 0)
		return r;
	r = snap_open_own(snapshot_path, &snap);
	if (r < 0)
		return err_set(&res->err, r, "reading %.300s: %s", snapshot_path, strerror(-r));
	snap_get_info(snap, &si);
	r = known_users(snap, &known, &nknown);
	if (r == 0)
		r = read_current(aws, &bloc, pub, &prev, &cur, etag, sizeof(etag), &res->err);
	if (r < 0)
		goto out;
	r = s3_list_objects(aws, ploc.bucket, ploc.key, MFA_FLEET_MAX_USERS, &list, &aerr);
	if (r < 0) {
		err_set(&res->err, r, "S3 ListObjectsV2 s3://%s/%s: %s", ploc.bucket, ploc.key,
			aws_error_str(&aerr, buf, sizeof(buf)));
		goto out;
	}
	pfx = strlen(ploc.key);
	for (size_t i = 0; i < list.n && r == 0; i++) {
		const char *name = list.items[i].key + pfx;
		struct known_user want = {name, NULL}, *k;

		if (!iam_valid_user_name(name)) {
			res->rejected++;
			continue;
		}
		k = bsearch(&want, known, nknown, sizeof(*known), cmp_known);
		if (!k) {
			/* no such IAM user (deleted): the secret leaves every host */
			res->rejected++;
			continue;
		}
		r = take_object(aws, cfg, ploc.bucket, &list.items[i], name, k, &prev, &next, res);
	}
	if (r < 0)
		goto out;
	mfa_fleet_set_sort(&next);
	res->users = next.n;
	if (etag[0] && mfa_fleet_set_equal(&prev, &next) &&
	    now - cur.created < cfg->publish_republish_after) {
		res->generation = cur.generation;
		goto out;
	}
	memset(&info, 0, sizeof(info));
	memcpy(info.account, si.account, sizeof(info.account));
	info.account[sizeof(info.account) - 1] = '\0';
	info.generation = (uint64_t)now > cur.generation ? (uint64_t)now : cur.generation + 1;
	info.created = now;
	r = mfa_payload_encode(&info, &next, &payload, &plen);
	if (r == 0)
		r = bundle_encode_mfa(&info, payload, plen, signer, pub, &bundle, &blen, &res->err);
	if (r < 0) {
		if (!res->err.msg[0])
			err_set(&res->err, r, "encoding the MFA bundle: %s", strerror(-r));
		goto out;
	}
	res->generation = info.generation;
	if (dry_run)
		goto out;
	r = s3_put_object(aws, bloc.bucket, bloc.key, bundle, blen, "application/octet-stream",
			  etag[0] ? etag : NULL, !etag[0], cfg->mfa_fleet_kms_key, NULL, 0, &aerr);
	if (r < 0) {
		err_set(&res->err, r, "S3 PUT s3://%s/%s: %s", bloc.bucket, bloc.key,
			r == -EALREADY ? "changed since it was read (another publisher?)"
				       : aws_error_str(&aerr, buf, sizeof(buf)));
		goto out;
	}
	res->uploaded = true;
out:
	res->calls = aws_client_stats(aws)->requests - calls0;
	if (bundle)
		wipe_free(bundle, blen);
	if (payload)
		wipe_free(payload, plen);
	mfa_fleet_set_free(&prev);
	mfa_fleet_set_free(&next);
	s3_listing_free(&list);
	free(known);
	snap_close(snap);
	return r;
}
