#include "keys/keyfetch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "config/config.h"
#include "iam/iam_api.h"

int keys_fetch_iam(void *vctx, long budget_ms, struct kc_entry *out, struct iam_err *err)
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
		err_set(err, r, "credentials: %s", aws_error_str(&aerr, ebuf, sizeof(ebuf)));
		return r;
	}
	r = iam_list_ssh_public_keys(c, ctx->iam_name, &keys, &n, &aerr);
	ctx->calls++;
	if (r == -ENOENT) {
		/* Deleted from IAM since the snapshot: no keys, remembered for negative_ttl. */
		r = 0;
		goto out;
	}
	if (r < 0) {
		err_set(err, r, "ListSSHPublicKeys: %s", aws_error_str(&aerr, ebuf, sizeof(ebuf)));
		goto out;
	}
	if (n > KC_MAX_KEYS) {
		r = err_set(err, -E2BIG, "ListSSHPublicKeys: %zu keys, more than %d", n,
			    KC_MAX_KEYS);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct iam_ssh_key full;
		bool active = keys[i].status && strcmp(keys[i].status, "Active") == 0;

		if (!keys[i].id) {
			r = err_set(err, -EBADMSG, "ListSSHPublicKeys: key without id");
			goto out;
		}
		if (!active) {
			r = keycache_entry_add(out, keys[i].id, false, NULL, 0,
					       cfg.key_types.n ? &cfg.key_types : NULL);
			if (r < 0) {
				err_set(err, r, "bad key id from IAM");
				goto out;
			}
			continue;
		}
		memset(&full, 0, sizeof(full));
		r = iam_get_ssh_public_key(c, ctx->iam_name, keys[i].id, &full, &aerr);
		ctx->calls++;
		if (r < 0) {
			err_set(err, r, "GetSSHPublicKey: %s",
				aws_error_str(&aerr, ebuf, sizeof(ebuf)));
			iam_ssh_key_free(&full);
			goto out;
		}
		/* The key may have been deactivated between the two calls. */
		if (full.status)
			active = strcmp(full.status, "Active") == 0;
		r = keycache_entry_add(out, keys[i].id, active, active ? full.body : NULL,
				       active && full.body ? strlen(full.body) : 0,
				       cfg.key_types.n ? &cfg.key_types : NULL);
		iam_ssh_key_free(&full);
		if (r < 0) {
			err_set(err, r, "bad key from IAM: %s", strerror(-r));
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
	keys_request_base(req, cfg, u);
	fctx->cfg = cfg;
	fctx->iam_name = u->iam_name;
	fctx->calls = 0;
	req->fetch = keys_fetch_iam;
	req->fetch_ctx = fctx;
}
