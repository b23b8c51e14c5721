/* The credential chain, environment provider and shared parsing helpers. */
#include "aws/creds.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "aws/aws.h"
#include "aws/aws_internal.h"
#include "config/config.h"
#include "base/fileutil.h"

void creds_clear(struct aws_creds *c)
{
	free_secret_str(c->access_key);
	free_secret_str(c->secret_key);
	free_secret_str(c->session_token);
	memset(c, 0, sizeof(*c));
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	memset(dst, 0, sizeof(*dst));
	if (dup_opt(&dst->access_key, src->access_key) < 0 ||
	    dup_opt(&dst->secret_key, src->secret_key) < 0 ||
	    dup_opt(&dst->session_token, src->session_token) < 0) {
		creds_clear(dst);
		return -ENOMEM;
	}
	dst->expiration = src->expiration;
	memcpy(dst->source, src->source, sizeof(dst->source));
	return 0;
}

bool creds_expiring(const struct aws_creds *c, time_t now, long margin)
{
	return c->expiration != 0 && c->expiration - now <= margin;
}

int creds_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *p;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (!s)
		return -EINVAL;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') /* fractional seconds */
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = t;
	return 0;
}

/* Access key ids are short alphanumerics (emulators add '-' or '_'); nothing else may
 * reach the Authorization header. */
static bool plausible_key_id(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return n >= 4 && n <= 128;
}

static bool printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; s && *s; s++, n++)
		if (!isgraph((unsigned char)*s) || n >= max)
			return false;
	return n > 0;
}

/* Validate and set: used by every provider so hostile values never reach a header. */
static int set_creds(struct aws_creds *out, const char *ak, const char *sk, const char *tok,
		     const char *source, struct aws_error *err)
{
	if (!plausible_key_id(ak) || !printable(sk, 256) ||
	    (tok && *tok && !printable(tok, 8192))) {
		aws_error_set(err, "InvalidCredentials", "%s credentials are malformed", source);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (dup_opt(&out->access_key, ak) < 0 || dup_opt(&out->secret_key, sk) < 0 ||
	    dup_opt(&out->session_token, tok && *tok ? tok : NULL) < 0) {
		creds_clear(out);
		aws_error_set(err, "NoMemory", "out of memory");
		return -ENOMEM;
	}
	snprintf(out->source, sizeof(out->source), "%s", source);
	return 0;
}

int creds_set_validated(struct aws_creds *out, const char *ak, const char *sk, const char *tok,
			const char *source, struct aws_error *err)
{
	return set_creds(out, ak, sk, tok, source, err);
}

int creds_parse_json(const char *json, size_t len, const char *source, struct aws_creds *out,
		     struct aws_error *err)
{
	json_error_t je;
	json_t *root, *code;
	const char *ak, *sk, *tok, *exp;
	int r;

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		aws_error_set(err, "InvalidCredentials", "%s credentials: not a JSON object",
			      source);
		return -EBADMSG;
	}
	code = json_object_get(root, "Code");
	if (code && (!json_is_string(code) || strcmp(json_string_value(code), "Success") != 0)) {
		json_decref(root);
		aws_error_set(err, "InvalidCredentials", "%s credentials: Code is not Success",
			      source);
		return -EBADMSG;
	}
	ak = json_string_value(json_object_get(root, "AccessKeyId"));
	sk = json_string_value(json_object_get(root, "SecretAccessKey"));
	tok = json_string_value(json_object_get(root, "Token"));
	exp = json_string_value(json_object_get(root, "Expiration"));
	if (!ak || !sk) {
		json_decref(root);
		aws_error_set(err, "InvalidCredentials",
			      "%s credentials: AccessKeyId or SecretAccessKey missing", source);
		return -EBADMSG;
	}
	r = set_creds(out, ak, sk, tok, source, err);
	if (r == 0 && exp && creds_parse_time(exp, &out->expiration) < 0) {
		creds_clear(out);
		aws_error_set(err, "InvalidCredentials", "%s credentials: bad Expiration", source);
		r = -EBADMSG;
	}
	/* jansson keeps its own copies of the strings; wipe them before freeing. */
	if (sk)
		explicit_bzero((char *)sk, strlen(sk));
	if (tok)
		explicit_bzero((char *)tok, strlen(tok));
	json_decref(root);
	return r;
}

int creds_from_env(struct aws_creds *out, struct aws_error *err)
{
	const char *ak = secure_getenv("AWS_ACCESS_KEY_ID");
	const char *sk = secure_getenv("AWS_SECRET_ACCESS_KEY");
	const char *tok = secure_getenv("AWS_SESSION_TOKEN");

	if (!ak || !*ak || !sk || !*sk)
		return -ENOENT;
	return set_creds(out, ak, sk, tok, "env", err);
}

int creds_resolve(const struct iam_config *cfg, struct aws_creds *out, struct aws_error *err)
{
	int r;

	memset(out, 0, sizeof(*out));
	/* A profile named in the config is an explicit choice, like boto3's
	 * Session(profile_name=...): keys in the environment do not override it. */
	if (!(cfg && cfg->profile && *cfg->profile)) {
		r = creds_from_env(out, err);
		if (r != -ENOENT)
			return r;
	}
	r = creds_from_profile(cfg, out, err);
	if (r != -ENOENT)
		return r;
	r = creds_from_container(cfg, out, err);
	if (r != -ENOENT)
		return r;
	if (err)
		err->message[0] = '\0';
	r = creds_from_imds(cfg, out, err);
	if (r != -ENOENT)
		return r;
	/* Say why the last place (instance metadata) had nothing, if it said. */
	if (err && err->message[0]) {
		char why[sizeof(err->message)];
		snprintf(why, sizeof(why), "%s", err->message);
		aws_error_set(err, "NoCredentials",
			      "no AWS credentials found (environment, shared files, container, "
			      "instance metadata: %.300s)",
			      why);
	} else {
		aws_error_set(err, "NoCredentials",
			      "no AWS credentials found (environment, shared files, container, "
			      "instance metadata)");
	}
	return -ENOKEY;
}
