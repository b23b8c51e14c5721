/* A user's SSH public keys: ListSSHPublicKeys (metadata) and GetSSHPublicKey (body, SSH format). */
#include "iam/iam_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct keys_ctx {
	const char *user;
	struct iam_key_list keys;
};

static int keys_page(const char *body, size_t len, void *ctx, struct iam_page *pg,
		     struct aws_error *err)
{
	struct keys_ctx *k = ctx;

	return iam_parse_list_ssh_keys_page(body, len, k->user, &k->keys, pg, err);
}

int iam_list_ssh_public_keys(struct aws_client *c, const char *user, struct iam_ssh_key **keys,
			     size_t *n, struct aws_error *err)
{
	const char *params[] = {
	    "Action", "ListSSHPublicKeys", "Version", IAM_API_VERSION, "UserName", user, NULL};
	struct keys_ctx k = {.user = user};
	size_t i, j;
	int rc;

	*keys = NULL;
	*n = 0;
	if (!iam_valid_user_name(user))
		return iam_bad_arg(err, "user name");
	rc = iam_paged_call(c, params, 0, keys_page, &k, NULL, err);
	/* A key listed twice means the pages overlap; a user has at most 5 keys. */
	for (i = 0; rc == 0 && i < k.keys.n; i++)
		for (j = i + 1; rc == 0 && j < k.keys.n; j++)
			if (strcmp(k.keys.v[i].id, k.keys.v[j].id) == 0)
				rc = iam_bad(err, "ListSSHPublicKeys: key %s listed twice",
					     k.keys.v[i].id);
	if (rc < 0) {
		iam_key_list_free(&k.keys);
		return rc;
	}
	*keys = k.keys.v;
	*n = k.keys.n;
	return 0;
}

struct key_ctx {
	const char *user, *key_id;
	struct iam_ssh_key *out;
	bool done;
};

static int key_page(const char *body, size_t len, void *ctx, struct iam_page *pg,
		    struct aws_error *err)
{
	struct key_ctx *k = ctx;

	pg->truncated = false;
	pg->marker = NULL;
	if (k->done)
		return iam_bad(err, "GetSSHPublicKey: answered twice");
	k->done = true;
	return iam_parse_get_ssh_key(body, len, k->user, k->key_id, k->out, err);
}

int iam_get_ssh_public_key(struct aws_client *c, const char *user, const char *key_id,
			   struct iam_ssh_key *out, struct aws_error *err)
{
	const char *params[] = {"Action", "GetSSHPublicKey", "Version", IAM_API_VERSION, "UserName",
				user,	  "SSHPublicKeyId",  key_id,	"Encoding",	 "SSH",
				NULL};
	struct key_ctx k = {.user = user, .key_id = key_id, .out = out};

	memset(out, 0, sizeof(*out));
	if (!iam_valid_user_name(user))
		return iam_bad_arg(err, "user name");
	if (!key_id || !iam_valid_ssh_key_id(key_id))
		return iam_bad_arg(err, "SSH public key id");
	return iam_paged_call(c, params, 0, key_page, &k, NULL, err);
}
