/* The credential chain's parsers, for its own files and the unit tests only. */
#ifndef IAM_CREDS_CHAIN_INTERNAL_H
#define IAM_CREDS_CHAIN_INTERNAL_H

#include <stddef.h>

#include "aws/creds_chain.h"

/* One profile's settings from the shared files. Strings malloc'd; secrets zeroed by free. */
struct aws_profile {
	char *access_key, *secret_key, *session_token;
	char *role_arn, *source_profile, *credential_source, *external_id, *role_session_name;
};
void creds_profile_free(struct aws_profile *p);
/*
 * Read profile `name` from a credentials file (sections "[name]") and a config
 * file (sections "[profile name]", or "[default]"). Either path may be NULL or
 * missing. Credentials-file values win. Returns 0, -ENOENT when neither file has
 * the profile, or -errno (unreadable, oversized, malformed line) with err set.
 */
int creds_profile_load(const char *credentials_path, const char *config_path, const char *name,
		       struct aws_profile *out, struct aws_error *err);

/* Parse the JSON of container/IMDS credentials. 0 or -EBADMSG with err set. */
int creds_parse_json(const char *json, size_t len, const char *source, struct aws_creds *out,
		     struct aws_error *err);

#endif
