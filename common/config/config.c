/* Loads iam-login.conf (INI via inih) into struct iam_config, strictly. */
#include "config/config.h"
#include "config/config_internal.h"
#include "base/file.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CONFIG_BYTES (256 * 1024)

enum value_kind {
	V_STRING,
	V_URL,
	V_LOOPBACK_URL,
	V_PATH,
	V_SECONDS_MS,
	V_SECONDS,
	V_BOOL,
	V_UINT,
	V_LIST,
	V_POLICY,
	V_S3URL,
	V_ACCOUNT,
	V_SIGNING_KEY,
	V_GUARD_FAILURE,
	V_TABLE,
	V_KMS_KEY
};

struct key_spec {
	const char *section;
	const char *name;
	enum value_kind kind;
	size_t offset;
	unsigned long min, max; /* for V_UINT, V_SECONDS */
};

#define F(field) offsetof(struct iam_config, field)
static const struct key_spec keys[] = {
    {"aws", "region", V_STRING, F(region), 0, 0},
    {"aws", "iam_endpoint", V_LOOPBACK_URL, F(iam_endpoint), 0, 0},
    {"aws", "sts_endpoint", V_LOOPBACK_URL, F(sts_endpoint), 0, 0},
    {"aws", "imds_endpoint", V_URL, F(imds_endpoint), 0, 0},
    {"aws", "s3_endpoint", V_LOOPBACK_URL, F(s3_endpoint), 0, 0},
    {"aws", "kms_endpoint", V_LOOPBACK_URL, F(kms_endpoint), 0, 0},
    {"aws", "dynamodb_endpoint", V_LOOPBACK_URL, F(dynamodb_endpoint), 0, 0},
    {"aws", "profile", V_STRING, F(profile), 0, 0},
    {"aws", "role_arn", V_STRING, F(role_arn), 0, 0},
    {"aws", "external_id", V_STRING, F(external_id), 0, 0},
    {"aws", "role_session_name", V_STRING, F(role_session_name), 0, 0},
    {"aws", "connect_timeout", V_SECONDS_MS, F(connect_timeout_ms), 1, 600000},
    {"aws", "timeout", V_SECONDS_MS, F(timeout_ms), 1, 3600000},
    {"aws", "imds_v1_fallback", V_BOOL, F(imds_v1_fallback), 0, 0},
    {"aws", "max_retries", V_UINT, F(max_retries), 0, 20},
    {"aws", "page_size", V_UINT, F(page_size), 1, 1000},
    {"directory", "state_dir", V_PATH, F(state_dir), 0, 0},
    {"directory", "uid_min", V_UINT, F(uid_min), 65536, 2147483647},
    {"directory", "uid_max", V_UINT, F(uid_max), 65536, 2147483647},
    {"directory", "gid_min", V_UINT, F(gid_min), 65536, 2147483647},
    {"directory", "gid_max", V_UINT, F(gid_max), 65536, 2147483647},
    {"directory", "group_prefix", V_STRING, F(group_prefix), 0, 0},
    {"directory", "sync_user", V_STRING, F(sync_user), 0, 0},
    {"directory", "users_group", V_STRING, F(users_group), 0, 0},
    {"directory", "strip_suffixes", V_LIST, F(strip_suffixes), 0, 0},
    {"directory", "visible_groups", V_LIST, F(visible_groups), 0, 0},
    {"directory", "path_prefix", V_STRING, F(path_prefix), 0, 0},
    {"directory", "home_base", V_PATH, F(home_base), 0, 0},
    {"directory", "default_shell", V_PATH, F(default_shell), 0, 0},
    {"directory", "gecos_tag", V_STRING, F(gecos_tag), 0, 0},
    {"directory", "shell_tag", V_STRING, F(shell_tag), 0, 0},
    {"directory", "uid_tag", V_STRING, F(uid_tag), 0, 0},
    {"directory", "gid_tag", V_STRING, F(gid_tag), 0, 0},
    {"directory", "merge_groups", V_LIST, F(merge_groups), 0, 0},
    {"directory", "max_removal_percent", V_UINT, F(max_removal_percent), 0, 100},
    {"directory", "sync_timeout", V_SECONDS_MS, F(sync_timeout_ms), 1000, 3600000},
    {"directory", "source", V_S3URL, F(directory_source), 0, 0},
    {"directory", "signing_public_key", V_PATH, F(signing_public_key), 0, 0},
    {"directory", "source_account", V_ACCOUNT, F(source_account), 0, 0},
    {"publish", "destination", V_S3URL, F(publish_destination), 0, 0},
    {"publish", "signing_key", V_SIGNING_KEY, F(publish_signing_key), 0, 0},
    {"publish", "republish_after", V_SECONDS, F(publish_republish_after), 60, 31536000},
    {"keys", "cache_dir", V_PATH, F(keys_cache_dir), 0, 0},
    {"keys", "ttl", V_SECONDS, F(keys_ttl), 0, 31536000},
    {"keys", "negative_ttl", V_SECONDS, F(keys_negative_ttl), 0, 31536000},
    {"keys", "max_stale", V_SECONDS, F(keys_max_stale), 0, 31536000},
    {"keys", "refresh_min_interval", V_SECONDS, F(keys_refresh_min_interval), 0, 86400},
    {"keys", "deadline", V_SECONDS_MS, F(keys_deadline_ms), 100, 120000},
    {"keys", "key_types", V_LIST, F(key_types), 0, 0},
    {"keys", "login_groups", V_LIST, F(login_groups), 0, 0},
    {"keys", "allow_root", V_BOOL, F(keys_allow_root), 0, 0},
    {"keys", "chain", V_PATH, F(keys_chain), 0, 0},
    {"mfa", "usersfile", V_PATH, F(mfa_usersfile), 0, 0},
    {"mfa", "policy", V_POLICY, F(mfa_policy), 0, 0},
    {"mfa", "window", V_UINT, F(mfa_window), 0, 10},
    {"mfa", "digits", V_UINT, F(mfa_digits), 6, 8},
    {"mfa", "issuer", V_STRING, F(mfa_issuer), 0, 0},
    {"mfa", "fleet_kms_key", V_KMS_KEY, F(mfa_fleet_kms_key), 0, 0},
    {"mfa", "replay_table", V_TABLE, F(mfa_replay_table), 0, 0},
    {"mfa", "replay_guard_failure", V_GUARD_FAILURE, F(mfa_replay_deny), 0, 0},
    {"pam", "max_snapshot_age", V_SECONDS, F(max_snapshot_age), 0, 31536000},
};
#undef F

struct load_ctx {
	struct iam_config *cfg;
	struct config_error *err;
	FILE *file;
	int line;
	int failed;
	unsigned char seen[sizeof(keys) / sizeof(keys[0])];
};

static void set_error(struct config_error *err, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error(struct config_error *err, int line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->line = line;
	err->err.code = -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err->err.msg, sizeof(err->err.msg), fmt, ap);
	va_end(ap);
}

static int set_str(char **dst, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

/* Loopback hosts for which plain http is allowed (tests, local proxies). */
static bool is_loopback_host(const char *host, size_t len)
{
	if (len == 9 && strncasecmp(host, "localhost", 9) == 0)
		return true;
	if (len == 5 && strncmp(host, "[::1]", 5) == 0)
		return true;
	if (len >= 4 && strncmp(host, "127.", 4) == 0) {
		for (size_t i = 4; i < len; i++)
			if (!isdigit((unsigned char)host[i]) && host[i] != '.')
				return false;
		return true;
	}
	return false;
}

static const char *check_url(const char *v, bool https_unless_loopback)
{
	const char *host;
	size_t hlen;

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else
		return "must start with https:// (or http:// for a loopback address)";
	hlen = strcspn(host, ":/");
	if (host[0] == '[')
		hlen = strcspn(host, "]") + 1;
	if (hlen == 0 || strlen(v) > 512 || strpbrk(v, " \t\"'<>\\"))
		return "is not a valid URL";
	if (https_unless_loopback && v[4] == ':' && !is_loopback_host(host, hlen))
		return "may use plain http:// only for a loopback address; use https://";
	return NULL;
}

/* "s3://BUCKET[/PREFIX]": a bucket S3 accepts, a prefix of printable key characters. */
static const char *check_s3_url(const char *v)
{
	const char *b, *slash;
	size_t blen;

	if (strncmp(v, "s3://", 5) != 0)
		return "must be s3://BUCKET/PREFIX";
	b = v + 5;
	slash = strchr(b, '/');
	blen = slash ? (size_t)(slash - b) : strlen(b);
	if (blen < 3 || blen > 63 || strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") < blen ||
	    !isalnum((unsigned char)b[0]) || !isalnum((unsigned char)b[blen - 1]))
		return "names an invalid bucket (3-63 of a-z 0-9 . -)";
	if (slash) {
		const char *p = slash + 1;

		/* characters that need no percent-encoding: the signed path is the path sent */
		if (strlen(p) > 512 || strstr(p, "//") || strstr(p, "..") ||
		    strspn(p,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-") !=
			strlen(p))
			return "has a prefix outside A-Z a-z 0-9 . _ - /";
	}
	return NULL;
}

static int parse_seconds(const char *v, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end != '\0' || !isfinite(d) || d < 0)
		return -EINVAL;
	*out = d;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int add_service_rule(struct load_ctx *ctx, const char *service, const char *value)
{
	struct iam_config *cfg = ctx->cfg;
	struct service_rule *grown;
	struct service_rule rule = {0};
	int r;

	if (!*service || strlen(service) > 64 ||
	    strspn(service, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(service)) {
		set_error(ctx->err, ctx->line, "[pam] service.%s: not a valid PAM service name",
			  service);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->nservices; i++)
		if (strcmp(cfg->services[i].service, service) == 0) {
			set_error(ctx->err, ctx->line, "[pam] service.%s given twice", service);
			return -EINVAL;
		}
	r = str_list_parse(value, &rule.groups);
	if (r < 0) {
		set_error(ctx->err, ctx->line, "[pam] service.%s: bad group list", service);
		return r;
	}
	rule.service = strdup(service);
	grown = rule.service ? realloc(cfg->services, (cfg->nservices + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(rule.service);
		str_list_free(&rule.groups);
		return -ENOMEM;
	}
	cfg->services = grown;
	cfg->services[cfg->nservices++] = rule;
	return 0;
}

static int apply_value(struct load_ctx *ctx, const struct key_spec *k, const char *value)
{
	char *base = (char *)ctx->cfg;
	void *field = base + k->offset;
	const char *why;
	double secs;
	unsigned long n;
	char *end;
	bool b;

	switch (k->kind) {
	case V_STRING:
		if (strlen(value) > 1024)
			return set_error(ctx->err, ctx->line, "%s: value too long", k->name),
			       -EINVAL;
		return set_str(field, value);
	case V_URL:
	case V_LOOPBACK_URL:
		why = check_url(value, k->kind == V_LOOPBACK_URL);
		if (why)
			return set_error(ctx->err, ctx->line, "%s %s", k->name, why), -EINVAL;
		return set_str(field, value);
	case V_PATH:
		if (value[0] != '/' || strlen(value) >= PATH_MAX - 64)
			return set_error(ctx->err, ctx->line, "%s must be an absolute path",
					 k->name),
			       -EINVAL;
		return set_str(field, value);
	case V_SECONDS_MS:
	case V_SECONDS:
		if (parse_seconds(value, &secs) < 0)
			return set_error(ctx->err, ctx->line, "%s: '%s' is not a number of seconds",
					 k->name, value),
			       -EINVAL;
		if (k->kind == V_SECONDS_MS)
			secs *= 1000.0;
		if (secs < (double)k->min || secs > (double)k->max)
			return set_error(ctx->err, ctx->line, "%s: %s is out of range", k->name,
					 value),
			       -EINVAL;
		*(long *)field = (long)secs;
		return 0;
	case V_BOOL:
		if (parse_bool(value, &b) < 0)
			return set_error(ctx->err, ctx->line, "%s: '%s' is not yes or no", k->name,
					 value),
			       -EINVAL;
		*(bool *)field = b;
		return 0;
	case V_UINT:
		errno = 0;
		n = strtoul(value, &end, 10);
		if (errno || end == value || *end || !isdigit((unsigned char)value[0]) ||
		    n < k->min || n > k->max)
			return set_error(ctx->err, ctx->line,
					 "%s: '%s' is not a whole number in %lu..%lu", k->name,
					 value, k->min, k->max),
			       -EINVAL;
		/* Every V_UINT field is 32 bits wide (unsigned or uint32_t). */
		*(uint32_t *)field = (uint32_t)n;
		return 0;
	case V_LIST:
		if (str_list_parse(value, field) < 0)
			return set_error(ctx->err, ctx->line, "%s: list too long", k->name),
			       -EINVAL;
		return 0;
	case V_POLICY:
		if (strcmp(value, "required") == 0)
			ctx->cfg->mfa_policy = MFA_REQUIRED;
		else if (strcmp(value, "if-enrolled") == 0)
			ctx->cfg->mfa_policy = MFA_IF_ENROLLED;
		else if (strcmp(value, "off") == 0)
			ctx->cfg->mfa_policy = MFA_OFF;
		else
			return set_error(ctx->err, ctx->line,
					 "policy: '%s' is not required, if-enrolled or off", value),
			       -EINVAL;
		return 0;
	case V_GUARD_FAILURE:
		if (strcmp(value, "local") == 0)
			ctx->cfg->mfa_replay_deny = false;
		else if (strcmp(value, "deny") == 0)
			ctx->cfg->mfa_replay_deny = true;
		else
			return set_error(ctx->err, ctx->line,
					 "replay_guard_failure: '%s' is not local or deny", value),
			       -EINVAL;
		return 0;
	case V_KMS_KEY:
		/* sent as a header value: no control characters, spaces or quotes */
		if (!*value || strlen(value) > 2048 || has_control(value) ||
		    strpbrk(value, " \t\"\\"))
			return set_error(ctx->err, ctx->line,
					 "%s: needs a KMS key id, ARN or alias/NAME", k->name),
			       -EINVAL;
		return set_str(field, value);
	case V_TABLE:
		/* DynamoDB's rule for a table name: it goes into a signed JSON body as is */
		if (strlen(value) < 3 || strlen(value) > 255 ||
		    strspn(value,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
			strlen(value))
			return set_error(ctx->err, ctx->line,
					 "%s: '%s' is not a DynamoDB table name (3..255 of A-Z a-z "
					 "0-9 _ . -)",
					 k->name, value),
			       -EINVAL;
		return set_str(field, value);
	case V_S3URL:
		why = check_s3_url(value);
		if (why)
			return set_error(ctx->err, ctx->line, "%s %s", k->name, why), -EINVAL;
		return set_str(field, value);
	case V_ACCOUNT:
		if (strlen(value) != 12 || strspn(value, "0123456789") != 12)
			return set_error(ctx->err, ctx->line,
					 "%s: '%s' is not a 12-digit AWS account id", k->name,
					 value),
			       -EINVAL;
		return set_str(field, value);
	case V_SIGNING_KEY:
		if (strncmp(value, "kms:", 4) == 0) {
			const char *id = value + 4;

			if (!*id || strlen(id) > 2048 || has_control(id) || strpbrk(id, " \t\"\\"))
				return set_error(ctx->err, ctx->line,
						 "%s: kms: needs a key id, ARN or alias/NAME",
						 k->name),
				       -EINVAL;
		} else if (value[0] != '/' || strlen(value) >= PATH_MAX - 64) {
			return set_error(ctx->err, ctx->line,
					 "%s must be kms:KEY-ID or an absolute path to a PEM key",
					 k->name),
			       -EINVAL;
		}
		return set_str(field, value);
	}
	return -EINVAL;
}

/* Drop an inline " # comment" (or " ; comment"), and the white space before it. */
static void strip_inline_comment(char *v)
{
	char *end;

	for (char *p = v; *p; p++)
		if ((*p == '#' || *p == ';') && p > v && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
}

static int on_key(void *user, const char *section, const char *name, const char *raw_value)
{
	struct load_ctx *ctx = user;
	char value[1100];
	int r;

	if (ctx->failed)
		return 0;
	if (strlen(raw_value) >= sizeof(value)) {
		set_error(ctx->err, ctx->line, "%s: value too long", name);
		ctx->failed = -EINVAL;
		return 0;
	}
	strcpy(value, raw_value);
	strip_inline_comment(value);
	if (has_control(value)) {
		set_error(ctx->err, ctx->line, "%s: control characters in value", name);
		ctx->failed = -EINVAL;
		return 0;
	}
	if (strcmp(section, "pam") == 0 && strncmp(name, "service.", 8) == 0) {
		r = add_service_rule(ctx, name + 8, value);
		if (r < 0)
			ctx->failed = r;
		return r == 0;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].section, section) || strcmp(keys[i].name, name))
			continue;
		if (ctx->seen[i]) {
			set_error(ctx->err, ctx->line, "[%s] %s given twice", section, name);
			ctx->failed = -EINVAL;
			return 0;
		}
		ctx->seen[i] = 1;
		r = apply_value(ctx, &keys[i], value);
		if (r < 0)
			ctx->failed = r;
		return r == 0;
	}
	set_error(ctx->err, ctx->line, "unknown key '%s' in section [%s]", name, section);
	ctx->failed = -EINVAL;
	return 0;
}

/*
 * inih reader that counts lines, so errors can name file:line. inih hands us
 * its own buffer (200 bytes in Debian's build) and would take the rest of a
 * longer line as a line of its own: "external_id = <185 bytes>region = x"
 * would set region silently. A line that does not fit is an error instead.
 */
static char *read_line(char *buf, int size, void *stream)
{
	struct load_ctx *ctx = stream;
	char *r;
	size_t n;

	if (ctx->failed)
		return NULL;
	r = fgets(buf, size, ctx->file);
	if (!r)
		return NULL;
	ctx->line++;
	n = strlen(buf);
	if (n == (size_t)size - 1 && buf[n - 1] != '\n') {
		int c = getc(ctx->file);

		if (c != EOF) { /* more of this line follows (a last line without '\n' fits) */
			set_error(ctx->err, ctx->line, "line longer than %d bytes", size - 2);
			ctx->failed = -EINVAL;
			return NULL;
		}
	}
	return r;
}

static int check_consistency(struct iam_config *cfg, struct config_error *err)
{
	if (cfg->uid_min >= cfg->uid_max) {
		set_error(err, 0, "uid_min must be below uid_max");
		return -EINVAL;
	}
	if (cfg->gid_min >= cfg->gid_max) {
		set_error(err, 0, "gid_min must be below gid_max");
		return -EINVAL;
	}
	if (strlen(cfg->group_prefix) > 16 ||
	    strspn(cfg->group_prefix, "abcdefghijklmnopqrstuvwxyz0123456789_.-") !=
		strlen(cfg->group_prefix) ||
	    (cfg->group_prefix[0] &&
	     !(islower((unsigned char)cfg->group_prefix[0]) || cfg->group_prefix[0] == '_'))) {
		set_error(err, 0, "group_prefix must match [a-z_][a-z0-9_.-]{0,15}");
		return -EINVAL;
	}
	/* sshd matches on it (Match Group): a portable Linux group name, or empty for none */
	if (cfg->users_group[0] &&
	    (strlen(cfg->users_group) > 32 ||
	     strspn(cfg->users_group, "abcdefghijklmnopqrstuvwxyz0123456789_.-") !=
		 strlen(cfg->users_group) ||
	     !(islower((unsigned char)cfg->users_group[0]) || cfg->users_group[0] == '_'))) {
		set_error(err, 0, "users_group must match [a-z_][a-z0-9_.-]{0,31} (or be empty)");
		return -EINVAL;
	}
	if (strspn(cfg->region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(cfg->region) ||
	    !cfg->region[0] || strlen(cfg->region) > 32) {
		set_error(err, 0, "region '%s' is not a valid AWS region name", cfg->region);
		return -EINVAL;
	}
	if (cfg->role_arn && strncmp(cfg->role_arn, "arn:", 4) != 0) {
		set_error(err, 0, "role_arn must be an ARN (arn:aws:iam::ACCOUNT:role/NAME)");
		return -EINVAL;
	}
	if (cfg->directory_source && !cfg->signing_public_key) {
		set_error(err, 0,
			  "[directory] source needs signing_public_key (the publisher's public "
			  "key, a root-owned PEM file)");
		return -EINVAL;
	}
	if (cfg->publish_destination && !cfg->publish_signing_key) {
		set_error(err, 0,
			  "[publish] destination needs signing_key (kms:KEY-ID or a PEM file)");
		return -EINVAL;
	}
	if (cfg->publish_destination && cfg->directory_source &&
	    strcmp(cfg->publish_destination, cfg->directory_source) == 0) {
		set_error(err, 0,
			  "[publish] destination and [directory] source are the same: the "
			  "publisher reads IAM, hosts read the bundle");
		return -EINVAL;
	}
	if (!cfg->sts_endpoint) {
		char url[128];
		snprintf(url, sizeof(url), "https://sts.%s.amazonaws.com", cfg->region);
		return set_str(&cfg->sts_endpoint, url);
	}
	return 0;
}

int config_load_fd(int fd, const char *name, struct iam_config *cfg, struct config_error *err)
{
	struct load_ctx ctx = {.cfg = cfg, .err = err};
	const char *test_mode = secure_getenv("IAM_LOGIN_TEST_MODE");
	struct stat st;
	int r = 0;

	if (err) {
		memset(err, 0, sizeof(*err));
		snprintf(err->file, sizeof(err->file), "%s", name);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_CONFIG_BYTES) {
		close(fd);
		set_error(err, 0, "not a regular file of at most %d bytes", MAX_CONFIG_BYTES);
		return -EINVAL;
	}
	if (!(test_mode && strcmp(test_mode, "1") == 0) && file_check_secure(fd, (uid_t)-1) < 0) {
		close(fd);
		set_error(
		    err, 0,
		    "refusing a config file that is not owned by root or is writable by group "
		    "or others (chown root:root; chmod 644)");
		return -EPERM;
	}
	ctx.file = fdopen(fd, "r");
	if (!ctx.file) {
		close(fd);
		return -ENOMEM;
	}
	int line = ini_parse_stream(read_line, &ctx, on_key, &ctx);
	if (ctx.failed)
		r = ctx.failed;
	else if (line != 0) {
		set_error(err, ctx.line, "syntax error (expected [section] or key = value)");
		r = -EINVAL;
	}
	fclose(ctx.file);
	return r;
}

int config_load(const char *path, struct iam_config *cfg, struct config_error *err)
{
	int fd, r;

	if (err) {
		memset(err, 0, sizeof(*err));
		snprintf(err->file, sizeof(err->file), "%s", path);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		set_error(err, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	r = config_load_fd(fd, path, cfg, err);
	if (r == 0)
		r = set_str(&cfg->path, path);
	if (r == 0)
		r = config_load_dropins(path, cfg, err);
	if (r == 0) {
		/* what the files say together is checked once, named after the main file */
		if (err)
			snprintf(err->file, sizeof(err->file), "%s", path);
		r = check_consistency(cfg, err);
	}
	return r;
}

int config_defaults(struct iam_config *cfg)
{
	static const char *const default_key_types[] = {"ssh-ed25519",
							"sk-ssh-ed25519@openssh.com",
							"ecdsa-sha2-nistp256",
							"ecdsa-sha2-nistp384",
							"ecdsa-sha2-nistp521",
							"sk-ecdsa-sha2-nistp256@openssh.com",
							"ssh-rsa"};
	struct {
		char **field;
		const char *value;
	} strs[] = {
	    {&cfg->region, "us-east-1"},
	    {&cfg->iam_endpoint, "https://iam.amazonaws.com"},
	    {&cfg->imds_endpoint, "http://169.254.169.254"},
	    {&cfg->role_session_name, "iam-login"},
	    {&cfg->state_dir, IAM_DEFAULT_STATE_DIR},
	    {&cfg->group_prefix, "iam-"},
	    {&cfg->sync_user, "iam-login"},
	    {&cfg->users_group, "iam-users"},
	    {&cfg->path_prefix, "/"},
	    {&cfg->home_base, "/home"},
	    {&cfg->default_shell, "/bin/bash"},
	    {&cfg->gecos_tag, "iam-login:gecos"},
	    {&cfg->shell_tag, "iam-login:shell"},
	    {&cfg->uid_tag, "iam-login:uid"},
	    {&cfg->gid_tag, "iam-login:gid"},
	    {&cfg->keys_cache_dir, "/var/cache/iam-login/keys"},
	    {&cfg->mfa_usersfile, "/etc/iam-login/totp.users"},
	    {&cfg->mfa_issuer, "iam-login"},
	};
	size_t nt = sizeof(default_key_types) / sizeof(default_key_types[0]);

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (set_str(strs[i].field, strs[i].value) < 0)
			goto oom;
	cfg->connect_timeout_ms = 2000;
	cfg->timeout_ms = 10000;
	cfg->max_retries = 5;
	cfg->page_size = 1000;
	cfg->uid_min = cfg->gid_min = 200000000;
	cfg->uid_max = cfg->gid_max = 299999999;
	cfg->max_removal_percent = 25;
	cfg->keys_ttl = 300;
	cfg->keys_negative_ttl = 60;
	cfg->keys_refresh_min_interval = 10;
	cfg->keys_max_stale = 86400;
	cfg->keys_deadline_ms = 5000;
	cfg->key_types.items = calloc(nt, sizeof(char *));
	if (!cfg->key_types.items)
		goto oom;
	for (size_t i = 0; i < nt; i++) {
		cfg->key_types.items[i] = strdup(default_key_types[i]);
		if (!cfg->key_types.items[i])
			goto oom;
		cfg->key_types.n++;
	}
	cfg->mfa_policy = MFA_IF_ENROLLED;
	cfg->mfa_window = 1;
	cfg->mfa_digits = 6;
	cfg->max_snapshot_age = 86400;
	cfg->sync_timeout_ms = 120000;
	cfg->publish_republish_after = 3600;
	return 0;
oom:
	config_free(cfg);
	return -ENOMEM;
}

const char *config_path(const char *explicit_path)
{
	const char *env;

	if (explicit_path && *explicit_path)
		return explicit_path;
	env = secure_getenv("IAM_LOGIN_CONF");
	if (env && *env)
		return env;
	return IAM_DEFAULT_CONFIG;
}

const struct str_list *config_service_groups(const struct iam_config *cfg, const char *service)
{
	for (size_t i = 0; service && i < cfg->nservices; i++)
		if (strcmp(cfg->services[i].service, service) == 0)
			return &cfg->services[i].groups;
	return NULL;
}

void config_free(struct iam_config *cfg)
{
	char **strs[] = {&cfg->path,	       &cfg->region,	    &cfg->iam_endpoint,
			 &cfg->sts_endpoint,   &cfg->imds_endpoint, &cfg->profile,
			 &cfg->role_arn,       &cfg->external_id,   &cfg->role_session_name,
			 &cfg->state_dir,      &cfg->group_prefix,  &cfg->path_prefix,
			 &cfg->home_base,      &cfg->default_shell, &cfg->gecos_tag,
			 &cfg->shell_tag,      &cfg->uid_tag,	    &cfg->gid_tag,
			 &cfg->keys_cache_dir, &cfg->mfa_usersfile, &cfg->mfa_issuer,
			 &cfg->sync_user,      &cfg->users_group,   &cfg->keys_chain};

	char **fleet[] = {&cfg->directory_source,    &cfg->signing_public_key,
			  &cfg->source_account,	     &cfg->publish_destination,
			  &cfg->publish_signing_key, &cfg->s3_endpoint,
			  &cfg->kms_endpoint,	     &cfg->dynamodb_endpoint,
			  &cfg->mfa_fleet_kms_key,   &cfg->mfa_replay_table};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	for (size_t i = 0; i < sizeof(fleet) / sizeof(fleet[0]); i++) {
		free(*fleet[i]);
		*fleet[i] = NULL;
	}
	str_list_free(&cfg->strip_suffixes);
	str_list_free(&cfg->visible_groups);
	str_list_free(&cfg->merge_groups);
	str_list_free(&cfg->key_types);
	str_list_free(&cfg->login_groups);
	for (size_t i = 0; i < cfg->nservices; i++) {
		free(cfg->services[i].service);
		str_list_free(&cfg->services[i].groups);
	}
	free(cfg->services);
	cfg->services = NULL;
	cfg->nservices = 0;
}
