/*
 * Typed IAM calls on top of aws_query(): pagination, XML to structs (STS: aws/sts.h).
 * A malformed, truncated or oversized answer is an error, never a partial result.
 * Every function returns 0 or a negative errno (see aws_query) with err set.
 */
#ifndef IAM_IAM_API_H
#define IAM_IAM_API_H

#include <stddef.h>
#include <time.h>

#include "aws/transport.h"

struct iam_tag {
	char *key;
	char *value;
};

struct iam_user {
	char *name;
	char *id; /* immutable UserId, AIDA... */
	char *arn;
	char *path;
	time_t created;
	struct iam_tag *tags;
	size_t ntags;
	char **groups; /* IAM group names (GroupList) */
	size_t ngroups;
};

struct iam_group {
	char *name;
	char *id; /* immutable GroupId, AGPA... */
	char *arn;
	char *path;
	time_t created;
};

struct iam_directory {
	struct iam_user *users;
	size_t nusers;
	struct iam_group *groups;
	size_t ngroups;
	unsigned calls; /* API calls made to build it */
};

struct iam_ssh_key {
	char *id;	   /* SSHPublicKeyId */
	char *status;	   /* "Active" / "Inactive" */
	char *body;	   /* SSHPublicKeyBody (GetSSHPublicKey only), unsanitized */
	char *fingerprint; /* as IAM reports it */
	time_t uploaded;
};

struct iam_mfa_device {
	char *serial;
	time_t enabled;
};

/* Page size asked of IAM (MaxItems); 0 leaves IAM's default. Set from [aws] page_size. */

/* Users and groups with memberships and tags: GetAccountAuthorizationDetails, Filter User+Group. */
int iam_get_account_authorization_details(struct aws_client *c, unsigned page_size,
					  struct iam_directory *out, struct aws_error *err);
/* The same from ListUsers + ListGroups + GetGroup (for when GAAD is denied); no tags. */
int iam_list_directory(struct aws_client *c, unsigned page_size, struct iam_directory *out,
		       struct aws_error *err);

int iam_list_users(struct aws_client *c, unsigned page_size, struct iam_user **users, size_t *n,
		   struct aws_error *err);
int iam_list_groups(struct aws_client *c, unsigned page_size, struct iam_group **groups, size_t *n,
		    struct aws_error *err);
/* Members' user names of one group. */
int iam_get_group(struct aws_client *c, const char *group, unsigned page_size,
		  struct iam_group *out, char ***members, size_t *nmembers, struct aws_error *err);
int iam_get_user(struct aws_client *c, const char *user, struct iam_user *out,
		 struct aws_error *err);

/* Key metadata (id, status, uploaded); body is NULL. */
int iam_list_ssh_public_keys(struct aws_client *c, const char *user, struct iam_ssh_key **keys,
			     size_t *n, struct aws_error *err);
/* One key with its body, Encoding=SSH. */
int iam_get_ssh_public_key(struct aws_client *c, const char *user, const char *key_id,
			   struct iam_ssh_key *out, struct aws_error *err);

int iam_list_mfa_devices(struct aws_client *c, const char *user, struct iam_mfa_device **devs,
			 size_t *n, struct aws_error *err);
/* Creates a virtual MFA device; *seed_base32 is secret: zero it and free. */
int iam_create_virtual_mfa_device(struct aws_client *c, const char *name, char **serial,
				  char **seed_base32, struct aws_error *err);
int iam_enable_mfa_device(struct aws_client *c, const char *user, const char *serial,
			  const char *code1, const char *code2, struct aws_error *err);

void iam_user_free(struct iam_user *u);	      /* frees members, not u */
void iam_group_free(struct iam_group *g);     /* frees members, not g */
void iam_ssh_key_free(struct iam_ssh_key *k); /* frees members, not k */
void iam_directory_free(struct iam_directory *d);
void iam_ssh_keys_free(struct iam_ssh_key *keys, size_t n);
void iam_mfa_devices_free(struct iam_mfa_device *d, size_t n);

#endif
