/* Fleet mode, host side: conditional GET of the bundle, verify, stage (see fleet_fetch.h). */
#include "directory/fleet_fetch.h"

#include "aws/aws.h"
#include "aws/s3.h"
#include "aws/s3url.h"
#include "aws/transport.h"
#include "base/file.h"
#include "directory/bundle.h"
#include "snapshot/snapshot_format.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A bundle is one snapshot plus a header and a signature. */
#define FLEET_MAX_BUNDLE (SNAPFMT_MAX_FILE + 64u * 1024u)
#define ETAG_MAX 200

/* The ETag of the candidate we hold, when we hold one: "" otherwise. */
static void held_etag(const char *work_dir, char *etag, size_t n)
{
	char path[PATH_MAX], bundle[PATH_MAX], *text = NULL;
	struct stat st;
	size_t len = 0;

	etag[0] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", work_dir, FLEET_ETAG_NAME) >=
		sizeof(path) ||
	    (size_t)snprintf(bundle, sizeof(bundle), "%s/%s", work_dir, FLEET_BUNDLE_NAME) >=
		sizeof(bundle))
		return;
	if (lstat(bundle, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	if (file_read_bounded(path, ETAG_MAX, &text, &len) < 0)
		return;
	/* an ETag is a quoted string of printable characters; anything else is not sent */
	if (len > 0 && len < n && strspn(text, "\"abcdefABCDEF0123456789-") == len) {
		memcpy(etag, text, len);
		etag[len] = '\0';
	}
	free(text);
}

/* Counts for the status line, from the verified payload's own header. */
static void payload_counts(const void *payload, size_t len, struct sync_result *res)
{
	struct snapfmt_header h;

	if (len < sizeof(h))
		return;
	memcpy(&h, payload, sizeof(h));
	res->nusers = le32toh(h.nusers);
	res->ngroups = le32toh(h.ngroups);
	res->nexcluded = le32toh(h.nexcluded);
}

int fleet_fetch(const struct iam_config *cfg, const char *work_dir, bool dry_run,
		struct sync_result *res)
{
	struct s3_location loc;
	struct aws_client *c = NULL;
	struct aws_error aerr;
	struct bundle_pubkey *pk = NULL;
	struct bundle_info info;
	struct s3_object obj;
	const void *payload;
	size_t payload_len;
	char etag[ETAG_MAX + 1], buf[700];
	uint64_t installed = res->generation;
	int r;

	res->fleet = true;
	memset(&aerr, 0, sizeof(aerr));
	memset(&obj, 0, sizeof(obj));
	r = s3_location_parse(cfg->directory_source, FLEET_BUNDLE_NAME, &loc, &res->err);
	if (r < 0)
		return r;
	r = bundle_pubkey_load(cfg->signing_public_key, &pk, &res->err);
	if (r < 0)
		return r;
	r = aws_client_new(cfg, 0, &c, &aerr);
	if (r < 0) {
		err_set(&res->err, r, "AWS credentials: %s",
			aws_error_str(&aerr, buf, sizeof(buf)));
		goto out;
	}
	aws_client_set_deadline(c, cfg->sync_timeout_ms);
	held_etag(work_dir, etag, sizeof(etag));
	r = s3_get_object(c, loc.bucket, loc.key, etag[0] ? etag : NULL, FLEET_MAX_BUNDLE, &obj,
			  &aerr);
	res->calls = aws_client_stats(c)->requests;
	if (r == -ENOENT) {
		err_set(&res->err, r,
			"s3://%s/%s does not exist: has the publisher run ('iam-login publish')?",
			loc.bucket, loc.key);
		goto out;
	}
	if (r < 0) {
		err_set(&res->err, r, "S3: %s", aws_error_str(&aerr, buf, sizeof(buf)));
		goto out;
	}
	if (obj.not_modified) {
		/* the bundle we hold is still the current one (and installed, or refused
		 * with the reason already in the last status) */
		res->unchanged = true;
		goto out;
	}
	r = bundle_verify(obj.body, obj.len, pk, &info, &payload, &payload_len, &res->err);
	if (r < 0)
		goto out;
	r = bundle_check_policy(&info, cfg->source_account, installed, (int64_t)time(NULL),
				cfg->max_snapshot_age, &res->err);
	if (r == BUNDLE_SAME_GENERATION) {
		res->unchanged = true;
		r = 0;
	} else if (r < 0) {
		goto out;
	}
	res->generation = info.generation;
	payload_counts(payload, payload_len, res);
	res->iam_users = res->nusers;
	if (dry_run)
		goto out;
	r = file_write_atomic(work_dir, FLEET_BUNDLE_NAME, obj.body, obj.len, 0644, (uid_t)-1,
			      (gid_t)-1);
	if (r == 0 && obj.etag[0])
		r = file_write_atomic(work_dir, FLEET_ETAG_NAME, obj.etag, strlen(obj.etag), 0644,
				      (uid_t)-1, (gid_t)-1);
	if (r < 0)
		err_set(&res->err, r, "writing the candidate in %.300s: %s", work_dir,
			strerror(-r));
out:
	s3_object_free(&obj);
	bundle_pubkey_free(pk);
	aws_client_free(c);
	return r;
}
