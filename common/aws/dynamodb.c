#include "aws/dynamodb.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One DynamoDB_20120810 action with a JSON body; the raw answer in *resp. */
static int ddb_call(struct aws_client *c, const char *action, json_t *req,
		    struct aws_rest_response *resp, struct aws_error *err)
{
	char target[80];
	const char *hdrs[3] = {target, "Content-Type: application/x-amz-json-1.0", NULL};
	struct aws_rest_request rq;
	char *body = json_dumps(req, JSON_COMPACT);
	int r;

	if (!body)
		return -ENOMEM;
	snprintf(target, sizeof(target), "X-Amz-Target: DynamoDB_20120810.%s", action);
	rq = (struct aws_rest_request){.service = "dynamodb",
				       .base_url = aws_client_dynamodb_endpoint(c),
				       .method = "POST",
				       .path = "/",
				       .headers = hdrs,
				       .body = body,
				       .body_len = strlen(body),
				       .max_response = 64 * 1024};
	r = aws_rest(c, &rq, resp, err);
	free(body);
	if (r < 0 && strcmp(err->code, "ResourceNotFoundException") == 0)
		r = -ENOENT;
	return r;
}

int ddb_record_step(struct aws_client *c, const char *table, const char *user_id, long long step,
		    const char *host, struct aws_error *err)
{
	struct aws_rest_response resp;
	char nstep[24];
	json_t *req;
	int r;

	if (!table || !*table || !user_id || !*user_id || step < 0)
		return -EINVAL;
	snprintf(nstep, sizeof(nstep), "%lld", step);
	/* "step" and "host" are reserved words in DynamoDB's expression grammar:
	 * they are always named through placeholders */
	req = json_pack("{s:s, s:{s:{s:s}}, s:s, s:s, s:{s:s, s:s}, s:{s:{s:s}, s:{s:s}}}",
			"TableName", table, "Key", "user_id", "S", user_id, "UpdateExpression",
			"SET #s = :s, #h = :h", "ConditionExpression",
			"attribute_not_exists(#s) OR #s < :s", "ExpressionAttributeNames", "#s",
			"step", "#h", "host", "ExpressionAttributeValues", ":s", "N", nstep, ":h",
			"S", host && *host ? host : "-");
	if (!req)
		return -ENOMEM;
	r = ddb_call(c, "UpdateItem", req, &resp, err);
	json_decref(req);
	if (r < 0)
		return strcmp(err->code, "ConditionalCheckFailedException") == 0 ? -EALREADY : r;
	aws_rest_response_free(&resp);
	return 0;
}

int ddb_table_ready(struct aws_client *c, const char *table, struct aws_error *err)
{
	struct aws_rest_response resp;
	json_t *req, *ans;
	const char *status;
	int r;

	req = json_pack("{s:s}", "TableName", table);
	if (!req)
		return -ENOMEM;
	r = ddb_call(c, "DescribeTable", req, &resp, err);
	json_decref(req);
	if (r < 0)
		return r;
	ans = json_loadb(resp.body, resp.len, 0, NULL);
	status = json_string_value(json_object_get(json_object_get(ans, "Table"), "TableStatus"));
	if (!status) {
		aws_error_set(err, "BadAnswer", "DescribeTable: no TableStatus in the answer");
		r = -EBADMSG;
	} else if (strcmp(status, "ACTIVE") != 0 && strcmp(status, "UPDATING") != 0) {
		aws_error_set(err, "NotActive", "table %s is %.40s", table, status);
		r = -EAGAIN;
	}
	json_decref(ans);
	aws_rest_response_free(&resp);
	return r;
}
