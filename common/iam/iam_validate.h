/* Validation of what IAM sends (iam_validate.c): bounds, names, dates, duplicates. */
#ifndef IAM_IAM_VALIDATE_H
#define IAM_IAM_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "iam/iam_api.h"

/* Bounds on what IAM may send us (IAM's own limits, or generous caps where a quota may grow). */
#define IAM_USER_NAME_MAX 64
#define IAM_GROUP_NAME_MAX 128
#define IAM_PATH_MAX 512
#define IAM_ARN_MAX 2048
#define IAM_TAG_KEY_MAX 128   /* characters; bytes allow 4 per UTF-8 character */
#define IAM_TAG_VALUE_MAX 256 /* characters */
#define IAM_TAGS_PER_USER_MAX 50
#define IAM_GROUPS_PER_USER_MAX 64 /* IAM allows 10; room for a raised quota */
#define IAM_SSH_KEY_ID_MIN 20
#define IAM_SSH_KEY_BODY_MAX 16384
#define IAM_FINGERPRINT_MAX 128
#define IAM_MFA_SERIAL_MIN 9
#define IAM_MFA_SERIAL_MAX 256
#define IAM_MFA_SEED_MIN 16 /* base32 characters */
#define IAM_MFA_SEED_MAX 128
#define IAM_MARKER_MAX 4096
#define IAM_MAX_PAGES 10000    /* per call; an answer that never ends is an error */
#define IAM_MAX_ITEMS 1000000u /* per call, across pages */

/*
 * Duplicate check over a finished list: the same UserId/GroupId or the same
 * name (IAM names are case-insensitively unique) twice is -EBADMSG.
 */
int iam_check_unique_users(const struct iam_user *u, size_t n, struct aws_error *err);
int iam_check_unique_groups(const struct iam_group *g, size_t n, struct aws_error *err);
/* The same for a list of names (case-insensitive); what names them in the message. */
int iam_check_unique_names(char *const *v, size_t n, const char *what, struct aws_error *err);

/* "2024-01-02T03:04:05Z", with optional fractional seconds and Z or +hh:mm. 0 or -EINVAL. */
int iam_parse_date(const char *s, time_t *out);

/* Field validators (true when s is acceptable). */
bool iam_valid_user_name(const char *s);
bool iam_valid_group_name(const char *s);
bool iam_valid_ssh_key_id(const char *s);
bool iam_valid_mfa_serial(const char *s);

/* Refuse an argument we would send to IAM when it is not valid: -EINVAL, err set. */
int iam_bad_arg(struct aws_error *err, const char *what);

/* Set err to the code "MalformedResponse" with a message; returns -EBADMSG. */
int iam_bad(struct aws_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
