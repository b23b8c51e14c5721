/*
 * Shared credentials and config files (~/.aws/credentials, ~/.aws/config) as the
 * AWS SDKs read them: profiles with static keys, or role_arn with source_profile
 * or credential_source (Environment, Ec2InstanceMetadata, EcsContainer).
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/creds_chain.h"
#include "aws/creds_chain_internal.h"

#include "aws/aws_error.h"
#include "aws/sts.h"
#include "base/file.h"
#include "config/config.h"
#include "base/wipe.h"

#define PROFILE_FILE_MAX (1024 * 1024)
#define PROFILE_CHAIN_MAX 4

void creds_profile_free(struct aws_profile *p)
{
	wipe_free_str(p->access_key);
	wipe_free_str(p->secret_key);
	wipe_free_str(p->session_token);
	free(p->role_arn);
	free(p->source_profile);
	free(p->credential_source);
	free(p->external_id);
	free(p->role_session_name);
	memset(p, 0, sizeof(*p));
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Set *slot unless an earlier (higher-priority) file already did. */
static int set_field(char **slot, const char *value)
{
	if (*slot)
		return 0;
	*slot = strdup(value);
	return *slot ? 0 : -ENOMEM;
}

static int apply_key(struct aws_profile *p, const char *key, const char *value)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
	    {"aws_access_key_id", offsetof(struct aws_profile, access_key)},
	    {"aws_secret_access_key", offsetof(struct aws_profile, secret_key)},
	    {"aws_session_token", offsetof(struct aws_profile, session_token)},
	    {"role_arn", offsetof(struct aws_profile, role_arn)},
	    {"source_profile", offsetof(struct aws_profile, source_profile)},
	    {"credential_source", offsetof(struct aws_profile, credential_source)},
	    {"external_id", offsetof(struct aws_profile, external_id)},
	    {"role_session_name", offsetof(struct aws_profile, role_session_name)},
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcasecmp(key, keys[i].key) == 0)
			return set_field((char **)((char *)p + keys[i].off), value);
	return 0; /* region, output, sso_* ...: not ours */
}

/*
 * Scan one file for the profile's section. in_config selects the config-file
 * naming ("[profile NAME]", "[default]"). Returns 1 when the section was found,
 * 0 when not, -errno on error.
 */
static int scan_file(const char *path, const char *name, bool in_config, struct aws_profile *p,
		     struct aws_error *err)
{
	char *data = NULL, *line, *next, *s;
	size_t len;
	int r, found = 0, in_section = 0, lineno = 0;

	if (!path || !*path)
		return 0;
	r = file_read_bounded(path, PROFILE_FILE_MAX, &data, &len);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0) {
		aws_error_set(err, "InvalidProfile", "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	if (memchr(data, '\0', len)) {
		wipe_free(data, len);
		aws_error_set(err, "InvalidProfile", "%s: contains NUL bytes", path);
		return -EBADMSG;
	}
	/* The AWS CLI reads a lone CR as a line break, we would not: refuse rather
	 * than read other settings than the tools beside us (found by fuzz_creds). */
	for (size_t i = 0, l = 1; i < len; i++) {
		l += data[i] == '\n';
		if (data[i] == '\r' && (i + 1 == len || data[i + 1] != '\n')) {
			wipe_free(data, len);
			aws_error_set(err, "InvalidProfile",
				      "%s:%zu: carriage return inside a line", path, l);
			return -EBADMSG;
		}
	}
	for (line = data; line && r == 0; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']'), *sec;
			if (!end) {
				aws_error_set(err, "InvalidProfile", "%s:%d: unterminated section",
					      path, lineno);
				r = -EBADMSG;
				break;
			}
			*end = '\0';
			sec = trim(s + 1);
			if (in_config && strncmp(sec, "profile", 7) == 0 &&
			    (sec[7] == ' ' || sec[7] == '\t'))
				sec = trim(sec + 8);
			else if (in_config && strcmp(sec, "default") != 0)
				sec = NULL; /* "[sso-session x]", "[services y]": not a profile */
			in_section = sec && strcmp(sec, name) == 0;
			found |= in_section;
			continue;
		}
		if (!in_section)
			continue;
		if (*line == ' ' || *line == '\t')
			continue; /* nested values (s3 = ...) are not ours */
		char *eq = strchr(s, '=');
		if (!eq) {
			aws_error_set(err, "InvalidProfile", "%s:%d: expected key = value", path,
				      lineno);
			r = -EBADMSG;
			break;
		}
		*eq = '\0';
		r = apply_key(p, trim(s), trim(eq + 1));
		if (r < 0)
			aws_error_set(err, "NoMemory", "out of memory");
	}
	wipe_free(data, len);
	return r < 0 ? r : found;
}

int creds_profile_load(const char *credentials_path, const char *config_path, const char *name,
		       struct aws_profile *out, struct aws_error *err)
{
	int a, b;

	memset(out, 0, sizeof(*out));
	a = scan_file(credentials_path, name, false, out, err);
	if (a < 0) {
		creds_profile_free(out);
		return a;
	}
	b = scan_file(config_path, name, true, out, err);
	if (b < 0) {
		creds_profile_free(out);
		return b;
	}
	if (!a && !b)
		return -ENOENT;
	return 0;
}

/* ~/.aws/NAME for the real user (HOME, else the passwd entry). */
static int default_path(const char *env, const char *file, char *buf, size_t n)
{
	const char *v = secure_getenv(env), *home;
	struct passwd *pw;

	if (v && *v) {
		snprintf(buf, n, "%s", v);
		return 0;
	}
	home = secure_getenv("HOME");
	if (!home || !*home) {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home)
		return -ENOENT;
	if ((size_t)snprintf(buf, n, "%s/.aws/%s", home, file) >= n)
		return -ENAMETOOLONG;
	return 0;
}

static int resolve_profile(const struct iam_config *cfg, const char *cred_path,
			   const char *conf_path, const char *name, int depth,
			   struct aws_creds *out, struct aws_error *err);

static int from_credential_source(const struct iam_config *cfg, const char *src,
				  struct aws_creds *out, struct aws_error *err)
{
	int r;

	if (strcmp(src, "Environment") == 0)
		r = creds_from_env(out, err);
	else if (strcmp(src, "Ec2InstanceMetadata") == 0)
		r = creds_from_imds(cfg, out, err);
	else if (strcmp(src, "EcsContainer") == 0)
		r = creds_from_container(cfg, out, err);
	else {
		aws_error_set(err, "InvalidProfile", "unknown credential_source '%.40s'", src);
		return -EINVAL;
	}
	if (r == -ENOENT)
		aws_error_set(err, "NoCredentials", "credential_source %s has no credentials", src);
	return r;
}

static int resolve_profile(const struct iam_config *cfg, const char *cred_path,
			   const char *conf_path, const char *name, int depth,
			   struct aws_creds *out, struct aws_error *err)
{
	struct aws_profile p;
	struct aws_creds src = {0};
	char label[32];
	int r;

	if (depth > PROFILE_CHAIN_MAX) {
		aws_error_set(err, "InvalidProfile", "source_profile chain too long at '%.40s'",
			      name);
		return -ELOOP;
	}
	r = creds_profile_load(cred_path, conf_path, name, &p, err);
	if (r < 0)
		return r;
	snprintf(label, sizeof(label), "profile:%.22s", name);
	if (p.role_arn) {
		if (p.source_profile && p.credential_source) {
			aws_error_set(err, "InvalidProfile",
				      "profile %.40s has both source_profile and "
				      "credential_source",
				      name);
			r = -EINVAL;
		} else if (p.source_profile) {
			/* A profile naming itself uses its own static keys (SDK behaviour). */
			if (strcmp(p.source_profile, name) == 0 && p.access_key)
				r = creds_set_validated(&src, p.access_key, p.secret_key,
							p.session_token, label, err);
			else
				r = resolve_profile(cfg, cred_path, conf_path, p.source_profile,
						    depth + 1, &src, err);
			if (r == -ENOENT)
				aws_error_set(err, "InvalidProfile",
					      "source_profile '%.40s' not found", p.source_profile);
		} else if (p.credential_source) {
			r = from_credential_source(cfg, p.credential_source, &src, err);
		} else {
			aws_error_set(err, "InvalidProfile",
				      "profile %.40s has role_arn but neither source_profile nor "
				      "credential_source",
				      name);
			r = -EINVAL;
		}
		if (r == -ENOENT)
			r = -EINVAL; /* a broken role profile stops the chain */
		if (r == 0) {
			r = sts_assume_role_as(cfg, &src, p.role_arn, p.external_id,
					       p.role_session_name, out, NULL, err);
			if (r == 0)
				snprintf(out->source, sizeof(out->source), "%s", label);
		}
		creds_clear(&src);
	} else if (p.access_key || p.secret_key) {
		r = creds_set_validated(out, p.access_key, p.secret_key, p.session_token, label,
					err);
	} else {
		r = -ENOENT; /* a profile without credentials: the chain goes on */
	}
	creds_profile_free(&p);
	return r;
}

int creds_from_profile(const struct iam_config *cfg, struct aws_creds *out, struct aws_error *err)
{
	char cred_path[PATH_MAX], conf_path[PATH_MAX];
	const char *name = cfg && cfg->profile ? cfg->profile : secure_getenv("AWS_PROFILE");
	bool explicit_name = name && *name;
	int r;

	if (!explicit_name)
		name = "default";
	if (default_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", cred_path,
			 sizeof(cred_path)) < 0)
		cred_path[0] = '\0';
	if (default_path("AWS_CONFIG_FILE", "config", conf_path, sizeof(conf_path)) < 0)
		conf_path[0] = '\0';
	r = resolve_profile(cfg, cred_path, conf_path, name, 0, out, err);
	if (r == -ENOENT && explicit_name) {
		/* Naming a profile that does not exist is a mistake, not a reason to
		 * silently use the instance role instead. */
		aws_error_set(err, "InvalidProfile",
			      "profile '%.60s' not found or has no "
			      "credentials",
			      name);
		return -EINVAL;
	}
	return r;
}
