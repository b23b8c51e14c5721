/* Credentials served over HTTP: ECS/EKS container endpoint and EC2 instance metadata. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "aws/aws_error.h"
#include "aws/creds_chain.h"
#include "aws/creds_chain_internal.h"
#include "aws/http.h"
#include "base/file.h"
#include "config/config.h"
#include "base/wipe.h"

#define CREDS_RESPONSE_MAX (64 * 1024)
#define IMDS_TOKEN_TTL "21600"
#define DEFAULT_IMDS "http://169.254.169.254"
#define ECS_HOST "http://169.254.170.2"

static long conn_ms(const struct iam_config *cfg)
{
	return cfg && cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 2000;
}

static long total_ms(const struct iam_config *cfg)
{
	return cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
}

static int fetch(const struct iam_config *cfg, const char *method, const char *url,
		 const char *const *headers, struct http_response *resp, struct aws_error *err,
		 const char *what)
{
	struct http_request req = {
	    .method = method,
	    .url = url,
	    .headers = headers,
	    .connect_timeout_ms = conn_ms(cfg),
	    .timeout_ms = total_ms(cfg),
	    .max_response = CREDS_RESPONSE_MAX,
	};
	int r = http_perform(&req, resp);

	if (r < 0)
		aws_error_set(err, r == -ETIMEDOUT ? "Timeout" : "Transport", "%s: %s", what,
			      resp->err.msg);
	return r;
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
	r = creds_set_validated(out, ak, sk, tok, source, err);
	if (r == 0 && exp && creds_parse_time(exp, &out->expiration) < 0) {
		creds_clear(out);
		aws_error_set(err, "InvalidCredentials", "%s credentials: bad Expiration", source);
		r = -EBADMSG;
	}
	/* jansson keeps its own copies of the strings; wipe them before freeing. */
	if (sk)
		wipe_bytes((char *)sk, strlen(sk));
	if (tok)
		wipe_bytes((char *)tok, strlen(tok));
	json_decref(root);
	return r;
}

/* Only the link-local ECS/EKS addresses, loopback or https are trusted for FULL_URI. */
static bool container_url_ok(const char *url)
{
	if (strncmp(url, "http://169.254.170.2/", 21) == 0 ||
	    strncmp(url, "http://169.254.170.23/", 22) == 0 ||
	    strncmp(url, "http://[fd00:ec2::23]/", 22) == 0)
		return true;
	return http_endpoint_ok(url, false, NULL) == 0;
}

int creds_from_container(const struct iam_config *cfg, struct aws_creds *out, struct aws_error *err)
{
	const char *rel = secure_getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = secure_getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tok = secure_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *tokfile = secure_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	char url[2048], *auth = NULL, *filetok = NULL;
	const char *headers[2] = {NULL, NULL};
	struct http_response resp;
	size_t len = 0;
	int r;

	if (rel && *rel) {
		if (rel[0] != '/' ||
		    (size_t)snprintf(url, sizeof(url), "%s%s", ECS_HOST, rel) >= sizeof(url)) {
			aws_error_set(err, "InvalidCredentials",
				      "bad AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
			return -EINVAL;
		}
	} else if (full && *full) {
		if (!container_url_ok(full) ||
		    (size_t)snprintf(url, sizeof(url), "%s", full) >= sizeof(url)) {
			aws_error_set(err, "InvalidCredentials",
				      "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, loopback "
				      "or the container endpoint");
			return -EINVAL;
		}
	} else {
		return -ENOENT;
	}
	if (tokfile && *tokfile) {
		r = file_read_bounded(tokfile, 16384, &filetok, &len);
		if (r < 0) {
			aws_error_set(err, "InvalidCredentials", "cannot read %s: %s", tokfile,
				      strerror(-r));
			return r;
		}
		while (len > 0 && isspace((unsigned char)filetok[len - 1]))
			filetok[--len] = '\0';
		tok = filetok;
	}
	if (tok && *tok) {
		if (strpbrk(tok, "\r\n")) {
			wipe_free(filetok, len);
			aws_error_set(err, "InvalidCredentials", "container token has line breaks");
			return -EINVAL;
		}
		if (asprintf(&auth, "Authorization: %s", tok) < 0) {
			wipe_free(filetok, len);
			return -ENOMEM;
		}
		headers[0] = auth;
	}
	r = fetch(cfg, "GET", url, headers, &resp, err, "container credentials");
	wipe_free_str(auth);
	wipe_free(filetok, len);
	if (r < 0)
		return r;
	if (resp.status != 200) {
		aws_error_set(err, "InvalidCredentials", "container credentials: HTTP %ld",
			      resp.status);
		r = -EIO;
	} else {
		r = creds_parse_json(resp.body, resp.len, "container", out, err);
	}
	wipe_free(resp.body, resp.len);
	return r;
}

/* First line of a role listing, checked to be a plausible IAM role name. */
static int role_name(const char *body, char *out, size_t n)
{
	size_t i = 0;

	while (body[i] && body[i] != '\n' && body[i] != '\r') {
		unsigned char c = (unsigned char)body[i];
		if (i + 1 >= n || !(isalnum(c) || strchr("+=,.@_-", c)))
			return -EBADMSG;
		out[i] = (char)c;
		i++;
	}
	out[i] = '\0';
	return i > 0 ? 0 : -ENOENT;
}

int creds_from_imds(const struct iam_config *cfg, struct aws_creds *out, struct aws_error *err)
{
	const char *base = cfg && cfg->imds_endpoint ? cfg->imds_endpoint : DEFAULT_IMDS;
	const char *ttl_hdr[] = {"X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL, NULL};
	const char *tok_hdr[] = {NULL, NULL};
	char url[1024], role[129], *hdr = NULL;
	struct iam_err why;
	struct http_response resp;
	size_t blen;
	int r;

	if (secure_getenv("AWS_EC2_METADATA_DISABLED") &&
	    strcasecmp(secure_getenv("AWS_EC2_METADATA_DISABLED"), "true") == 0)
		return -ENOENT;
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (http_endpoint_ok(base, true, &why) < 0) {
		aws_error_set(err, "InvalidConfig", "imds_endpoint: %s", why.msg);
		return -EINVAL;
	}
	/* IMDSv2: a session token first. */
	snprintf(url, sizeof(url), "%.*s/latest/api/token", (int)blen, base);
	r = fetch(cfg, "PUT", url, ttl_hdr, &resp, err, "instance metadata token");
	if (r == 0 && resp.status == 200 && resp.len > 0 && resp.len < 1024 &&
	    !strpbrk(resp.body, "\r\n")) {
		if (asprintf(&hdr, "X-aws-ec2-metadata-token: %s", resp.body) < 0)
			hdr = NULL;
		tok_hdr[0] = hdr;
	}
	if (r == 0)
		wipe_free(resp.body, resp.len);
	if (!hdr) {
		if (!(cfg && cfg->imds_v1_fallback)) {
			/* No metadata service here (or v2 refused): not an error of ours,
			 * the chain reports "no credentials" with this reason. */
			if (r == 0)
				aws_error_set(err, "NoCredentials",
					      "instance metadata token: HTTP %ld", resp.status);
			return -ENOENT;
		}
		if (r == -ETIMEDOUT || r == -EIO)
			return -ENOENT; /* nothing listening: v1 would fail the same way */
	}
	snprintf(url, sizeof(url), "%.*s/latest/meta-data/iam/security-credentials/", (int)blen,
		 base);
	r = fetch(cfg, "GET", url, tok_hdr, &resp, err, "instance metadata role");
	if (r < 0)
		goto out;
	if (resp.status == 404) {
		r = -ENOENT; /* instance without a role */
	} else if (resp.status != 200) {
		aws_error_set(err, "InvalidCredentials", "instance metadata role: HTTP %ld",
			      resp.status);
		r = -EIO;
	} else if ((r = role_name(resp.body, role, sizeof(role))) < 0) {
		if (r != -ENOENT)
			aws_error_set(err, "InvalidCredentials",
				      "instance metadata: bad role name");
	}
	http_response_free(&resp);
	if (r < 0)
		goto out;
	snprintf(url, sizeof(url), "%.*s/latest/meta-data/iam/security-credentials/%s", (int)blen,
		 base, role);
	r = fetch(cfg, "GET", url, tok_hdr, &resp, err, "instance metadata credentials");
	if (r < 0)
		goto out;
	if (resp.status != 200) {
		aws_error_set(err, "InvalidCredentials", "instance metadata credentials: HTTP %ld",
			      resp.status);
		r = -EIO;
	} else {
		r = creds_parse_json(resp.body, resp.len, "imds", out, err);
	}
	wipe_free(resp.body, resp.len);
out:
	wipe_free_str(hdr);
	return r;
}
