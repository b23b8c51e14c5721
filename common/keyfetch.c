#include "keyfetch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "config.h"
#include "iam_api.h"

int keys_find_user(const struct iam_config *cfg, const char *user, struct snap **snap,
		   struct snap_user *u)
{
	char path[PATH_MAX];
	size_t i;
	int r;

	*snap = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, IAM_SNAPSHOT_NAME) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	r = snap_open(path, snap);
	if (r < 0)
		return r;
	r = snap_user_by_name(*snap, user, u);
	if (r == 0 && cfg->login_groups.n > 0) {
		r = -EACCES;
		for (i = 0; i < cfg->login_groups.n; i++)
			if (snap_user_in_iam_group(*snap, u, cfg->login_groups.items[i]))
				r = 0;
	}
	/* The snapshot must hold what the cache needs to tie keys to one IAM user. */
	if (r == 0 && (!u->iam_name || !*u->iam_name || !u->iam_id || !*u->iam_id))
		r = -EBADMSG;
	if (r < 0) {
		snap_close(*snap);
		*snap = NULL;
	}
	return r;
}

static void ssh_key_clear(struct iam_ssh_key *k)
{
	free(k->id);
	free(k->status);
	free(k->body);
	free(k->fingerprint);
	memset(k, 0, sizeof(*k));
}

int keys_fetch_iam(void *vctx, long budget_ms, struct kc_entry *out, char *err, size_t errlen)
{
	struct keyfetch_ctx *ctx = vctx;
	struct iam_config cfg = *ctx->cfg; /* shallow: only the timeouts change */
	struct aws_client *c = NULL;
	struct aws_error aerr;
	struct iam_ssh_key *keys = NULL;
	size_t n = 0, i;
	char ebuf[700];
	int r;

	memset(&aerr, 0, sizeof(aerr));
	/* Leave a little of the budget so the cache can still answer stale. */
	budget_ms = budget_ms > 400 ? budget_ms - 200 : budget_ms;
	if (cfg.timeout_ms <= 0 || cfg.timeout_ms > budget_ms)
		cfg.timeout_ms = budget_ms;
	if (cfg.connect_timeout_ms <= 0 || cfg.connect_timeout_ms > budget_ms)
		cfg.connect_timeout_ms = budget_ms;
	r = aws_client_new(&cfg, 0, &c, &aerr);
	if (r < 0) {
		snprintf(err, errlen, "credentials: %s", aws_error_str(&aerr, ebuf, sizeof(ebuf)));
		return r;
	}
	r = iam_list_ssh_public_keys(c, ctx->iam_name, &keys, &n, &aerr);
	ctx->calls++;
	if (r < 0) {
		snprintf(err, errlen, "ListSSHPublicKeys: %s",
			 aws_error_str(&aerr, ebuf, sizeof(ebuf)));
		goto out;
	}
	if (n > KC_MAX_KEYS) {
		snprintf(err, errlen, "ListSSHPublicKeys: %zu keys, more than %d", n, KC_MAX_KEYS);
		r = -E2BIG;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct iam_ssh_key full;
		bool active = keys[i].status && strcmp(keys[i].status, "Active") == 0;

		if (!keys[i].id) {
			snprintf(err, errlen, "ListSSHPublicKeys: key without id");
			r = -EBADMSG;
			goto out;
		}
		if (!active) {
			r = kc_entry_add(out, keys[i].id, false, NULL, 0,
					 cfg.key_types.n ? &cfg.key_types : NULL);
			if (r < 0) {
				snprintf(err, errlen, "bad key id from IAM");
				goto out;
			}
			continue;
		}
		memset(&full, 0, sizeof(full));
		r = iam_get_ssh_public_key(c, ctx->iam_name, keys[i].id, &full, &aerr);
		ctx->calls++;
		if (r < 0) {
			snprintf(err, errlen, "GetSSHPublicKey: %s",
				 aws_error_str(&aerr, ebuf, sizeof(ebuf)));
			ssh_key_clear(&full);
			goto out;
		}
		/* The key may have been deactivated between the two calls. */
		if (full.status)
			active = strcmp(full.status, "Active") == 0;
		r = kc_entry_add(out, keys[i].id, active, active ? full.body : NULL,
				 active && full.body ? strlen(full.body) : 0,
				 cfg.key_types.n ? &cfg.key_types : NULL);
		ssh_key_clear(&full);
		if (r < 0) {
			snprintf(err, errlen, "bad key from IAM: %s", strerror(-r));
			goto out;
		}
	}
	r = 0;
out:
	iam_ssh_keys_free(keys, n);
	aws_client_free(c);
	return r;
}

void keys_request_init(struct kc_request *req, const struct iam_config *cfg,
		       const struct snap_user *u, struct keyfetch_ctx *fctx)
{
	memset(req, 0, sizeof(*req));
	fctx->cfg = cfg;
	fctx->iam_name = u->iam_name;
	fctx->calls = 0;
	req->cache_dir = cfg->keys_cache_dir;
	req->user = u->name;
	req->iam_id = u->iam_id;
	req->iam_arn = u->iam_arn;
	req->types = cfg->key_types.n ? &cfg->key_types : NULL;
	req->policy.ttl = cfg->keys_ttl;
	req->policy.negative_ttl = cfg->keys_negative_ttl;
	req->policy.max_stale = cfg->keys_max_stale;
	req->deadline_ms = cfg->keys_deadline_ms;
	req->fetch = keys_fetch_iam;
	req->fetch_ctx = fctx;
}
