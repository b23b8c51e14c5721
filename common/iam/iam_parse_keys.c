/*
 * IAM answers about one user's credentials: SSH public keys (list and get) and
 * MFA devices (list, and the secret seed of a new virtual device).
 */
#include "iam/iam_parse.h"
#include "base/base64.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/xml.h"
#include "base/wipe.h"

static bool valid_status(const char *s)
{
	return strcmp(s, "Active") == 0 || strcmp(s, "Inactive") == 0;
}

/* IAM: [:\w]+ (hex with or without colons). */
static bool valid_fingerprint(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];
		if (n >= IAM_FINGERPRINT_MAX)
			return false;
		if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    c != ':' && c != '_')
			return false;
	}
	return n > 0;
}

/* IAM's pattern for the body: [\u0009\u000A\u000D\u0020-\u00FF]+, bounded. The
 * keys code still sanitizes it into one key line before sshd sees it. */
static bool valid_key_body(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];
		if (n >= IAM_SSH_KEY_BODY_MAX)
			return false;
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return false;
		if (c == 0x7f)
			return false;
	}
	return n > 0;
}

/* The <UserName> of an entry must be the user asked about (IAM names ignore case). */
static int check_owner(const struct xml_node *item, const char *user, struct aws_error *err,
		       const char *where)
{
	char *name;
	int rc;

	rc = iam_take_str(item, "UserName", iam_valid_user_name, true, &name, err, where);
	if (rc < 0)
		return rc;
	if (user && strcasecmp(name, user) != 0)
		rc = iam_bad(err, "%s: entry belongs to another user", where);
	free(name);
	return rc;
}

static int parse_key(const struct xml_node *item, const char *user, bool with_body,
		     struct iam_ssh_key *k, struct aws_error *err, const char *where)
{
	int rc;

	memset(k, 0, sizeof(*k));
	rc = check_owner(item, user, err, where);
	if (rc == 0)
		rc = iam_take_str(item, "SSHPublicKeyId", iam_valid_ssh_key_id, true, &k->id, err,
				  where);
	if (rc == 0)
		rc = iam_take_str(item, "Status", valid_status, true, &k->status, err, where);
	if (rc == 0)
		rc = iam_take_date(item, "UploadDate", true, &k->uploaded, err, where);
	if (rc == 0 && with_body)
		rc = iam_take_str(item, "Fingerprint", valid_fingerprint, true, &k->fingerprint,
				  err, where);
	if (rc == 0 && with_body)
		rc = iam_take_str(item, "SSHPublicKeyBody", valid_key_body, true, &k->body, err,
				  where);
	if (rc < 0)
		iam_ssh_key_free(k);
	return rc;
}

int iam_parse_list_ssh_keys_page(const char *body, size_t len, const char *user,
				 struct iam_key_list *acc, struct iam_page *pg,
				 struct aws_error *err)
{
	struct xml_node *tree;
	const struct xml_node *res;
	struct xml_node *const *items;
	char where[96];
	size_t n, i;
	int rc;

	pg->truncated = false;
	pg->marker = NULL;
	rc = iam_open_result(body, len, "ListSSHPublicKeys", &tree, &res, err);
	if (rc < 0)
		return rc;
	/* IAM omits an empty SSHPublicKeys list; absent means no keys. */
	rc = iam_list_items(res, "SSHPublicKeys", false, &items, &n, err, "ListSSHPublicKeys");
	for (i = 0; rc == 0 && i < n; i++) {
		rc = iam_grow((void **)&acc->v, &acc->cap, acc->n, sizeof(*acc->v), err);
		if (rc < 0)
			break;
		snprintf(where, sizeof(where), "ListSSHPublicKeys member %zu", i + 1);
		rc = parse_key(items[i], user, false, &acc->v[acc->n], err, where);
		if (rc == 0)
			acc->n++;
	}
	if (rc == 0)
		rc = iam_take_page(res, pg, err, "ListSSHPublicKeys");
	xml_free(tree);
	return rc;
}

int iam_parse_get_ssh_key(const char *body, size_t len, const char *user, const char *key_id,
			  struct iam_ssh_key *out, struct aws_error *err)
{
	struct xml_node *tree;
	const struct xml_node *res, *knode;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = iam_open_result(body, len, "GetSSHPublicKey", &tree, &res, err);
	if (rc < 0)
		return rc;
	rc = iam_child(res, "SSHPublicKey", true, &knode, err, "GetSSHPublicKey");
	if (rc < 0)
		goto out;
	rc = parse_key(knode, user, true, out, err, "GetSSHPublicKey");
	if (rc == 0 && key_id && strcmp(out->id, key_id) != 0) {
		rc = iam_bad(err, "GetSSHPublicKey: answer is about another key");
		iam_ssh_key_free(out);
	}
out:
	xml_free(tree);
	return rc;
}

int iam_parse_list_mfa_page(const char *body, size_t len, const char *user,
			    struct iam_mfa_list *acc, struct iam_page *pg, struct aws_error *err)
{
	struct xml_node *tree;
	const struct xml_node *res;
	struct xml_node *const *items;
	char where[96];
	size_t n, i;
	int rc;

	pg->truncated = false;
	pg->marker = NULL;
	rc = iam_open_result(body, len, "ListMFADevices", &tree, &res, err);
	if (rc < 0)
		return rc;
	rc = iam_list_items(res, "MFADevices", true, &items, &n, err, "ListMFADevices");
	for (i = 0; rc == 0 && i < n; i++) {
		struct iam_mfa_device *d;
		rc = iam_grow((void **)&acc->v, &acc->cap, acc->n, sizeof(*acc->v), err);
		if (rc < 0)
			break;
		d = &acc->v[acc->n];
		snprintf(where, sizeof(where), "ListMFADevices member %zu", i + 1);
		rc = check_owner(items[i], user, err, where);
		if (rc == 0)
			rc = iam_take_str(items[i], "SerialNumber", iam_valid_mfa_serial, true,
					  &d->serial, err, where);
		if (rc == 0)
			rc = iam_take_date(items[i], "EnableDate", true, &d->enabled, err, where);
		if (rc < 0) {
			free(d->serial);
			d->serial = NULL;
			break;
		}
		acc->n++;
	}
	if (rc == 0)
		rc = iam_take_page(res, pg, err, "ListMFADevices");
	xml_free(tree);
	return rc;
}

static bool valid_base32(const unsigned char *s, size_t n)
{
	size_t i, body = n;

	while (body > 0 && s[body - 1] == '=')
		body--;
	if (body < IAM_MFA_SEED_MIN || body > IAM_MFA_SEED_MAX)
		return false;
	for (i = 0; i < body; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7')))
			return false;
	return true;
}

/* Zero every text of the tree: the seed and the QR code (which encodes it). */
static void scrub_tree(struct xml_node *n)
{
	size_t i;

	if (!n)
		return;
	wipe_bytes(n->text, n->text_len);
	for (i = 0; i < n->nchildren; i++)
		scrub_tree(n->children[i]);
}

int iam_parse_create_vmfa(const char *body, size_t len, char **serial, char **seed_base32,
			  struct aws_error *err)
{
	static const char action[] = "CreateVirtualMFADevice";
	struct xml_node *tree;
	const struct xml_node *res, *dev, *seed;
	unsigned char buf[IAM_MFA_SEED_MAX + 8];
	char *s = NULL;
	int rc, n;

	*serial = NULL;
	*seed_base32 = NULL;
	rc = iam_open_result(body, len, action, &tree, &res, err);
	if (rc < 0)
		return rc;
	rc = iam_child(res, "VirtualMFADevice", true, &dev, err, action);
	if (rc < 0)
		goto out;
	rc = iam_take_str(dev, "SerialNumber", iam_valid_mfa_serial, true, serial, err, action);
	if (rc < 0)
		goto out;
	rc = iam_leaf(dev, "Base32StringSeed", &seed, err, action);
	if (rc < 0)
		goto out;
	if (!seed) {
		rc = iam_bad(err, "%s: <Base32StringSeed> missing", action);
		goto out;
	}
	/* The Query API sends blobs base64-encoded: base64 of the base32 text. */
	n = (int)base64_decode_strict(seed->text, seed->text_len, buf, sizeof(buf));
	if (n < 0 || !valid_base32(buf, (size_t)n)) {
		rc = iam_bad(err, "%s: <Base32StringSeed> is not a base32 seed", action);
		goto out;
	}
	s = malloc((size_t)n + 1);
	if (!s) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(s, buf, (size_t)n);
	s[n] = '\0';
	*seed_base32 = s;
out:
	wipe(buf);
	scrub_tree(tree);
	xml_free(tree);
	if (rc < 0) {
		free(*serial);
		*serial = NULL;
	}
	return rc;
}
