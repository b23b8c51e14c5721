/* Fleet MFA: a host installs the MFA bundle into its usersfile (mfa_pull.h). */
#include "directory/mfa_pull.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/aws.h"
#include "aws/s3.h"
#include "aws/s3url.h"
#include "base/file.h"
#include "base/strbuf.h"
#include "base/wipe.h"
#include "directory/bundle.h"
#include "directory/mfa_fleet.h"
#include "mfa/usersfile.h"

#define STATE_TAG "iam-login-mfa-state-1"
#define STATE_MAX (8u * 1024 * 1024)
#define MAX_MFA_BUNDLE (BUNDLE_MFA_MAX_PAYLOAD + 4096u)

void mfa_state_free(struct mfa_state *s)
{
	for (size_t i = 0; s->ids && i < s->users; i++)
		free(s->ids[i]);
	free(s->ids);
	s->ids = NULL;
}

static int split_path(const char *usersfile, char *dir, size_t dn, char *name, size_t nn)
{
	const char *slash = strrchr(usersfile, '/');

	if (!slash || slash == usersfile || (size_t)(slash - usersfile) >= dn ||
	    (size_t)snprintf(name, nn, "%s%s", slash + 1, MFA_STATE_SUFFIX) >= nn)
		return -EINVAL;
	memcpy(dir, usersfile, (size_t)(slash - usersfile));
	dir[slash - usersfile] = '\0';
	return 0;
}

int mfa_state_read(const char *usersfile, bool with_ids, struct mfa_state *out)
{
	char path[PATH_MAX], *data = NULL, *line, *save = NULL;
	unsigned long long gen;
	long long created, fetched;
	size_t len = 0, n = 0;
	int fd, r;

	memset(out, 0, sizeof(*out));
	if ((size_t)snprintf(path, sizeof(path), "%s%s", usersfile, MFA_STATE_SUFFIX) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* only root writes it: anything else could make a host forget a removal */
	r = file_check_secure(fd, 0);
	if (r == 0)
		r = file_read_fd_bounded(fd, STATE_MAX, &data, &len);
	close(fd);
	if (r < 0)
		return r;
	line = strtok_r(data, "\n", &save);
	r = -EBADMSG;
	if (!line || strcmp(line, STATE_TAG) != 0)
		goto out;
	line = strtok_r(NULL, "\n", &save);
	if (!line || strncmp(line, "etag ", 5) != 0 || strlen(line + 5) >= sizeof(out->etag))
		goto out;
	strcpy(out->etag, line + 5);
	if (strcmp(out->etag, "-") == 0)
		out->etag[0] = '\0';
	line = strtok_r(NULL, "\n", &save);
	if (!line ||
	    sscanf(line, "generation %llu created %lld fetched %lld users %zu", &gen, &created,
		   &fetched, &n) != 4 ||
	    n > MFA_FLEET_MAX_USERS)
		goto out;
	out->generation = gen;
	out->created = created;
	out->fetched = fetched;
	if (!with_ids) {
		out->users = n;
		r = 0;
		goto out;
	}
	out->ids = calloc(n ? n : 1, sizeof(char *));
	if (!out->ids) {
		r = -ENOMEM;
		goto out;
	}
	for (out->users = 0; out->users < n; out->users++) {
		line = strtok_r(NULL, "\n", &save);
		if (!line || !usersfile_valid_user(line))
			goto out;
		out->ids[out->users] = strdup(line);
		if (!out->ids[out->users]) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = strtok_r(NULL, "\n", &save) ? -EBADMSG : 0;
out:
	free(data);
	if (r < 0)
		mfa_state_free(out);
	return r;
}

static int state_write(const char *usersfile, const char *etag, uint64_t generation,
		       int64_t created, const struct mfa_fleet_set *set)
{
	char dir[PATH_MAX], name[NAME_MAX + 1];
	struct strbuf sb;
	int r;

	if (split_path(usersfile, dir, sizeof(dir), name, sizeof(name)) < 0)
		return -EINVAL;
	strbuf_init(&sb, STATE_MAX);
	strbuf_addf(&sb, "%s\netag %s\ngeneration %llu created %lld fetched %lld users %zu\n",
		    STATE_TAG, etag && *etag ? etag : "-", (unsigned long long)generation,
		    (long long)created, (long long)time(NULL), set ? set->n : 0);
	for (size_t i = 0; set && i < set->n; i++)
		strbuf_addf(&sb, "%s\n", set->e[i].user_id);
	r = sb.err ? sb.err : file_write_atomic(dir, name, sb.buf, sb.len, 0644, 0, 0);
	strbuf_free(&sb);
	return r;
}

/* The bundle's users into the usersfile; the previous bundle's others out. */
static int install(const struct iam_config *cfg, const struct mfa_fleet_set *set,
		   const struct mfa_state *old, struct mfa_pull_result *res)
{
	const char *uf = cfg->mfa_usersfile;
	int r;

	for (size_t i = 0; i < set->n; i++) {
		const struct mfa_fleet_entry *e = &set->e[i];

		if (!usersfile_valid_user(e->user_id))
			continue;
		r = usersfile_same_secret(uf, e->user_id, e->secret, e->secret_len, e->digits,
					  e->period);
		if (r == 1) {
			res->kept++;
			continue;
		}
		if (r == 0)
			r = usersfile_enrol(uf, e->user_id, e->secret, e->secret_len, e->digits,
					    e->period);
		if (r < 0)
			return err_set(&res->err, r, "%.300s: %s", uf, strerror(-r));
		res->added++;
	}
	for (size_t i = 0; i < old->users; i++) {
		bool still = false;

		for (size_t j = 0; j < set->n && !still; j++)
			still = strcmp(set->e[j].user_id, old->ids[i]) == 0;
		if (still)
			continue;
		r = usersfile_remove(uf, old->ids[i]);
		if (r < 0 && r != -ENOENT)
			return err_set(&res->err, r, "%.300s: %s", uf, strerror(-r));
		if (r == 0)
			res->removed++;
	}
	return 0;
}

int mfa_pull(const struct iam_config *cfg, struct mfa_pull_result *res)
{
	const char *url = cfg->directory_source ? cfg->directory_source : cfg->publish_destination;
	struct s3_location loc;
	struct aws_client *c = NULL;
	struct aws_error aerr = {0};
	struct bundle_pubkey *pk = NULL;
	struct mfa_state old;
	struct mfa_fleet_set set = {0};
	struct bundle_info info;
	struct s3_object obj = {0};
	const void *payload;
	size_t plen;
	char buf[700];
	int r;

	memset(res, 0, sizeof(*res));
	memset(&old, 0, sizeof(old));
	if (!url || !cfg->signing_public_key)
		return err_set(&res->err, -EINVAL,
			       "fleet MFA needs [directory] source = s3://BUCKET/PREFIX and "
			       "signing_public_key in %.300s",
			       cfg->path ? cfg->path : "the config");
	r = s3_location_parse(url, MFA_FLEET_BUNDLE, &loc, &res->err);
	if (r < 0)
		return r;
	r = mfa_state_read(cfg->mfa_usersfile, true, &old);
	if (r < 0 && r != -ENOENT)
		return err_set(&res->err, r, "%.300s%s: %s (remove it to start over)",
			       cfg->mfa_usersfile, MFA_STATE_SUFFIX, strerror(-r));
	r = bundle_pubkey_load(cfg->signing_public_key, &pk, &res->err);
	if (r < 0)
		goto out;
	r = aws_client_new(cfg, 0, &c, &aerr);
	if (r < 0) {
		err_set(&res->err, r, "AWS credentials: %s",
			aws_error_str(&aerr, buf, sizeof(buf)));
		goto out;
	}
	aws_client_set_deadline(c, cfg->sync_timeout_ms);
	r = s3_get_object(c, loc.bucket, loc.key, old.etag[0] ? old.etag : NULL, MAX_MFA_BUNDLE,
			  &obj, &aerr);
	res->calls = aws_client_stats(c)->requests;
	if (r == -ENOENT) {
		err_set(&res->err, r,
			"s3://%s/%s does not exist: has the publisher run with [mfa] "
			"fleet_kms_key?",
			loc.bucket, loc.key);
		goto out;
	}
	if (r < 0) {
		err_set(&res->err, r, "S3: %s", aws_error_str(&aerr, buf, sizeof(buf)));
		goto out;
	}
	res->generation = old.generation;
	res->created = old.created;
	res->users = old.users;
	if (obj.not_modified) {
		res->unchanged = true;
		goto out;
	}
	r = bundle_verify_mfa(obj.body, obj.len, pk, &info, &payload, &plen, &res->err);
	if (r == 0)
		r = bundle_check_policy(&info, cfg->source_account, old.generation,
					(int64_t)time(NULL), cfg->max_snapshot_age, &res->err);
	if (r == BUNDLE_SAME_GENERATION) {
		res->unchanged = true;
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	r = mfa_payload_parse(payload, plen, &set, &res->err);
	if (r < 0)
		goto out;
	r = install(cfg, &set, &old, res);
	if (r < 0)
		goto out;
	res->generation = info.generation;
	res->created = info.created;
	res->users = set.n;
	r = state_write(cfg->mfa_usersfile, obj.etag, info.generation, info.created, &set);
	if (r < 0)
		err_set(&res->err, r, "writing %.300s%s: %s", cfg->mfa_usersfile, MFA_STATE_SUFFIX,
			strerror(-r));
out:
	if (obj.body)
		wipe_free(obj.body, obj.len);
	mfa_fleet_set_free(&set);
	mfa_state_free(&old);
	bundle_pubkey_free(pk);
	aws_client_free(c);
	return r;
}
