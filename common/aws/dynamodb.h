/*
 * The DynamoDB calls of the cross-host TOTP replay guard (decision 16; JSON 1.0
 * protocol, Jansson) on the signed transport. One item per user, keyed by the
 * IAM UserId (attribute "user_id", a string): "step" holds the last accepted
 * time step, raised only by a conditional update, so two hosts can never both
 * accept one code.
 */
#ifndef IAM_DYNAMODB_H
#define IAM_DYNAMODB_H

#include "aws/aws_error.h"
#include "aws/transport.h"

/*
 * Record step as user_id's last accepted step, only if it is higher than the
 * one recorded (or none is). host is stored beside it for the audit trail.
 * 0 (recorded), -EALREADY (this or a later step was already accepted: a
 * replay), -ENOENT (no such table), -EACCES, -ETIMEDOUT, -errno.
 */
int ddb_record_step(struct aws_client *c, const char *table, const char *user_id, long long step,
		    const char *host, struct aws_error *err);

/* Is the table there and usable (DescribeTable: ACTIVE)? 0, -ENOENT, -EAGAIN, -errno. */
int ddb_table_ready(struct aws_client *c, const char *table, struct aws_error *err);

#endif
