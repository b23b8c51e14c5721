/*
 * The one rule for an IAM id (UserId, GroupId, SSHPublicKeyId): [A-Za-z0-9_]
 * {16,128}, the pattern IAM documents. Here in base because the key cache
 * (which must not link the IAM client) checks the ids it stores by it too.
 */
#ifndef IAM_IAM_ID_H
#define IAM_IAM_ID_H

#include <stdbool.h>

#define IAM_ID_MIN 16
#define IAM_ID_MAX 128

bool iam_id_valid(const char *s);

#endif
