#include "aws/kms.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "aws/kms_internal.h"
#include "base/base64.h"

/* One TrentService action with a JSON body; the raw answer in *resp. */
static int kms_call(struct aws_client *c, const char *action, json_t *req,
		    struct aws_rest_response *resp, struct aws_error *err)
{
	char target[80];
	const char *hdrs[3] = {target, "Content-Type: application/x-amz-json-1.1", NULL};
	struct aws_rest_request rq;
	char *body = json_dumps(req, JSON_COMPACT);
	int r;

	if (!body)
		return -ENOMEM;
	snprintf(target, sizeof(target), "X-Amz-Target: TrentService.%s", action);
	rq = (struct aws_rest_request){.service = "kms",
				       .base_url = aws_client_kms_endpoint(c),
				       .method = "POST",
				       .path = "/",
				       .headers = hdrs,
				       .body = body,
				       .body_len = strlen(body),
				       .max_response = 64 * 1024};
	r = aws_rest(c, &rq, resp, err);
	free(body);
	return r;
}

static json_t *answer_object(const char *body, size_t len, const char *action,
			     struct aws_error *err)
{
	json_t *j = json_loadb(body, len, 0, NULL);

	if (!json_is_object(j)) {
		json_decref(j);
		aws_error_set(err, "BadAnswer", "KMS %s: the answer is not a JSON object", action);
		return NULL;
	}
	return j;
}

/* Decode a base64 string member into out (cap bytes). Length, or -EBADMSG. */
static long b64_member(json_t *o, const char *name, unsigned char *out, size_t cap)
{
	const char *s = json_string_value(json_object_get(o, name));

	if (!s)
		return -EBADMSG;
	long n = base64_decode_strict(s, strlen(s), out, cap);
	return n <= 0 ? -EBADMSG : n;
}

int kms_parse_sign(const char *body, size_t len, unsigned char *sig, size_t *siglen,
		   struct aws_error *err)
{
	json_t *ans = answer_object(body, len, "Sign", err);
	const char *alg;
	long n;
	int r = 0;

	*siglen = 0;
	if (!ans)
		return -EBADMSG;
	alg = json_string_value(json_object_get(ans, "SigningAlgorithm"));
	n = b64_member(ans, "Signature", sig, KMS_MAX_SIGNATURE);
	if (n < 0 || (alg && strcmp(alg, "ECDSA_SHA_256") != 0)) {
		aws_error_set(err, "BadAnswer",
			      "KMS Sign: no ECDSA_SHA_256 signature in the answer");
		r = -EBADMSG;
	} else {
		*siglen = (size_t)n;
	}
	json_decref(ans);
	return r;
}

int kms_sign(struct aws_client *c, const char *key_id, const void *msg, size_t len,
	     unsigned char *sig, size_t *siglen, struct aws_error *err)
{
	char b64[((KMS_MAX_MESSAGE + 2) / 3) * 4 + 1];
	struct aws_rest_response resp;
	json_t *req;
	int r;

	*siglen = 0;
	if (!key_id || !*key_id || len == 0 || len > KMS_MAX_MESSAGE)
		return -EINVAL;
	base64_encode(msg, len, b64, sizeof(b64));
	req = json_pack("{s:s, s:s, s:s, s:s}", "KeyId", key_id, "Message", b64, "MessageType",
			"RAW", "SigningAlgorithm", "ECDSA_SHA_256");
	if (!req)
		return -ENOMEM;
	r = kms_call(c, "Sign", req, &resp, err);
	json_decref(req);
	if (r < 0)
		return r;
	r = kms_parse_sign(resp.body, resp.len, sig, siglen, err);
	aws_rest_response_free(&resp);
	return r;
}

int kms_parse_public_key(const char *body, size_t len, const char *key_id, unsigned char **der,
			 size_t *der_len, struct aws_error *err)
{
	unsigned char buf[1024];
	json_t *ans = answer_object(body, len, "GetPublicKey", err);
	const char *spec, *usage;
	long n;

	*der = NULL;
	*der_len = 0;
	if (!ans)
		return -EBADMSG;
	spec = json_string_value(json_object_get(ans, "KeySpec"));
	if (!spec)
		spec = json_string_value(json_object_get(ans, "CustomerMasterKeySpec"));
	usage = json_string_value(json_object_get(ans, "KeyUsage"));
	if (!spec || strcmp(spec, "ECC_NIST_P256") != 0 || !usage ||
	    strcmp(usage, "SIGN_VERIFY") != 0) {
		aws_error_set(err, "InvalidKey",
			      "KMS key %.200s is %.40s/%.40s: bundles need an ECC_NIST_P256 "
			      "SIGN_VERIFY key",
			      key_id, spec ? spec : "?", usage ? usage : "?");
		json_decref(ans);
		return -EINVAL;
	}
	n = b64_member(ans, "PublicKey", buf, sizeof(buf));
	json_decref(ans);
	if (n < 0) {
		aws_error_set(err, "BadAnswer", "KMS GetPublicKey: no PublicKey in the answer");
		return -EBADMSG;
	}
	*der = malloc((size_t)n);
	if (!*der)
		return -ENOMEM;
	memcpy(*der, buf, (size_t)n);
	*der_len = (size_t)n;
	return 0;
}

int kms_get_public_key(struct aws_client *c, const char *key_id, unsigned char **der,
		       size_t *der_len, struct aws_error *err)
{
	struct aws_rest_response resp;
	json_t *req;
	int r;

	*der = NULL;
	*der_len = 0;
	req = json_pack("{s:s}", "KeyId", key_id);
	if (!req)
		return -ENOMEM;
	r = kms_call(c, "GetPublicKey", req, &resp, err);
	json_decref(req);
	if (r < 0)
		return r;
	r = kms_parse_public_key(resp.body, resp.len, key_id, der, der_len, err);
	aws_rest_response_free(&resp);
	return r;
}
