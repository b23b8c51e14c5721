/* STS calls: GetCallerIdentity and AssumeRole. */
#include "aws/sts.h"
#include "aws/sts_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/xml.h"
#include "base/file.h"
#include "base/wipe.h"

#define STS_VERSION "2011-06-15"
#define STS_XML_MAX (256 * 1024)

void sts_identity_free(struct sts_identity *id)
{
	if (!id)
		return;
	free(id->account);
	free(id->arn);
	free(id->user_id);
	memset(id, 0, sizeof(*id));
}

static int parse_answer(const char *body, size_t len, struct xml_node **root, struct aws_error *err)
{
	const struct xml_limits lim = {.max_bytes = STS_XML_MAX};
	struct iam_err why;
	int r = xml_parse(body, len, &lim, root, &why);

	if (r < 0)
		aws_error_set(err, "MalformedResponse", "STS answer: %s", why.msg);
	return r;
}

int sts_parse_caller_identity(const char *body, size_t len, struct sts_identity *out,
			      struct aws_error *err)
{
	struct xml_node *root = NULL;
	const struct xml_node *res;
	const char *acct, *arn, *uid;
	int r;

	memset(out, 0, sizeof(*out));
	r = parse_answer(body, len, &root, err);
	if (r < 0)
		return r;
	res = xml_child(root, "GetCallerIdentityResult");
	acct = xml_path_text(res, "Account");
	arn = xml_path_text(res, "Arn");
	uid = xml_path_text(res, "UserId");
	if (strcmp(root->name, "GetCallerIdentityResponse") != 0 || !acct || !*acct || !arn ||
	    !*arn) {
		aws_error_set(err, "MalformedResponse",
			      "GetCallerIdentity answer lacks Account or Arn");
		r = -EBADMSG;
	} else {
		out->account = strdup(acct);
		out->arn = strdup(arn);
		out->user_id = strdup(uid ? uid : "");
		if (!out->account || !out->arn || !out->user_id) {
			sts_identity_free(out);
			aws_error_set(err, "NoMemory", "out of memory");
			r = -ENOMEM;
		}
	}
	xml_free(root);
	return r;
}

int sts_get_caller_identity(struct aws_client *c, struct sts_identity *out, struct aws_error *err)
{
	const char *params[] = {"Action", "GetCallerIdentity", "Version", STS_VERSION, NULL};
	char *body = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = aws_query(c, AWS_SVC_STS, params, &body, &len, err);
	if (r < 0)
		return r;
	r = sts_parse_caller_identity(body, len, out, err);
	free(body);
	return r;
}

int sts_parse_assume_role(const char *body, size_t len, struct aws_creds *out, char **assumed_arn,
			  struct aws_error *err)
{
	struct xml_node *root = NULL;
	const struct xml_node *cr;
	const char *exp, *arn;
	int r;

	memset(out, 0, sizeof(*out));
	if (assumed_arn)
		*assumed_arn = NULL;
	r = parse_answer(body, len, &root, err);
	if (r < 0)
		return r;
	cr = xml_path(root, "AssumeRoleResult/Credentials");
	arn = xml_path_text(root, "AssumeRoleResult/AssumedRoleUser/Arn");
	exp = xml_path_text(cr, "Expiration");
	r = creds_set_validated(out, xml_path_text(cr, "AccessKeyId"),
				xml_path_text(cr, "SecretAccessKey"),
				xml_path_text(cr, "SessionToken"), "assume-role", err);
	if (r == 0 && (!xml_path_text(cr, "SessionToken") || !exp ||
		       creds_parse_time(exp, &out->expiration) < 0 || !arn || !*arn)) {
		creds_clear(out);
		aws_error_set(err, "MalformedResponse", "AssumeRole answer incomplete");
		r = -EBADMSG;
	}
	if (r == 0 && assumed_arn) {
		*assumed_arn = strdup(arn);
		if (!*assumed_arn) {
			creds_clear(out);
			r = -ENOMEM;
		}
	}
	/* Wipe the secret text held in the tree before freeing it. */
	if (cr) {
		size_t i;
		for (i = 0; i < cr->nchildren; i++)
			wipe_bytes(cr->children[i]->text, cr->children[i]->text_len);
	}
	xml_free(root);
	return r;
}

int sts_assume_role(struct aws_client *c, const char *role_arn, const char *external_id,
		    const char *session_name, struct aws_creds *out, char **assumed_arn,
		    struct aws_error *err)
{
	const char *params[12];
	char *body = NULL;
	size_t len = 0, n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (assumed_arn)
		*assumed_arn = NULL;
	params[n++] = "Action";
	params[n++] = "AssumeRole";
	params[n++] = "Version";
	params[n++] = STS_VERSION;
	params[n++] = "RoleArn";
	params[n++] = role_arn;
	params[n++] = "RoleSessionName";
	params[n++] = session_name && *session_name ? session_name : "iam-login";
	if (external_id && *external_id) {
		params[n++] = "ExternalId";
		params[n++] = external_id;
	}
	params[n] = NULL;
	r = aws_query(c, AWS_SVC_STS, params, &body, &len, err);
	if (r < 0) {
		/* Say which step failed: the source identity, not the final one. */
		size_t l = strlen(err->message);
		snprintf(err->message + l, sizeof(err->message) - l, " [AssumeRole %.200s]",
			 role_arn);
		return r;
	}
	r = sts_parse_assume_role(body, len, out, assumed_arn, err);
	wipe_free(body, len); /* it held the role's secret key */
	return r;
}

int sts_assume_role_as(const struct iam_config *cfg, const struct aws_creds *src,
		       const char *role_arn, const char *external_id, const char *session_name,
		       struct aws_creds *out, char **assumed_arn, struct aws_error *err)
{
	struct aws_client *sc;
	int r = aws_transport_new_fixed(cfg, src, &sc, err);

	if (r < 0)
		return r;
	r = sts_assume_role(sc, role_arn, external_id, session_name, out, assumed_arn, err);
	aws_client_free(sc);
	return r;
}
