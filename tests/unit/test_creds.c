/* Credential chain pieces: shared-file profile parsing, env precedence, JSON, times. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/aws_error.h"
#include "aws/creds_chain.h"
#include "aws/creds_chain_internal.h"
#include "config/config.h"
#include "aws/creds.h"
#include "testutil.h"

static char dir[200];
static char cred_path[256], conf_path[256];

static int setup(void **state)
{
	(void)state;
	tu_mkdtemp(dir, sizeof(dir), "test_creds");
	snprintf(cred_path, sizeof(cred_path), "%s/credentials", dir);
	snprintf(conf_path, sizeof(conf_path), "%s/config", dir);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("HOME", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rm_tree(dir);
	return 0;
}

static const char *CREDS = "# comment\n"
			   "[default]\n"
			   "aws_access_key_id = AKIADEFAULT000000000\n"
			   "aws_secret_access_key = defaultsecret\n"
			   "\n"
			   "[dev]\r\n"
			   "aws_access_key_id=AKIADEV0000000000000  \r\n"
			   "aws_secret_access_key =devsecret\r\n"
			   "aws_session_token = devtoken\r\n"
			   "; another comment\n"
			   "[profile dev]\n" /* not a profile name in the credentials file */
			   "aws_access_key_id = AKIAWRONG00000000000\n";

static const char *CONFIG = "[default]\n"
			    "region = us-east-1\n"
			    "aws_access_key_id = AKIACONFIGDEFAULT000\n"
			    "[profile dev]\n"
			    "aws_access_key_id = AKIACONFIGDEV0000000\n"
			    "external_id = ext\n"
			    "[profile role]\n"
			    "role_arn = arn:aws:iam::123456789012:role/r\n"
			    "source_profile = dev\n"
			    "role_session_name = s1\n"
			    "s3 =\n"
			    "  max_concurrent_requests = 10\n"
			    "[sso-session role]\n"
			    "role_arn = arn:aws:iam::1:role/not-this\n"
			    "[dev]\n" /* in the config file, only [profile dev] counts */
			    "role_arn = arn:aws:iam::1:role/not-this-either\n";

static void test_profile_parse(void **state)
{
	struct aws_profile p;
	struct aws_error err;

	(void)state;
	tu_write_text(cred_path, CREDS, 0600);
	tu_write_text(conf_path, CONFIG, 0600);
	assert_int_equal(creds_profile_load(cred_path, conf_path, "default", &p, &err), 0);
	assert_string_equal(p.access_key, "AKIADEFAULT000000000"); /* credentials file wins */
	assert_string_equal(p.secret_key, "defaultsecret");
	assert_null(p.session_token);
	assert_null(p.role_arn);
	creds_profile_free(&p);

	assert_int_equal(creds_profile_load(cred_path, conf_path, "dev", &p, &err), 0);
	assert_string_equal(p.access_key, "AKIADEV0000000000000");
	assert_string_equal(p.secret_key, "devsecret");
	assert_string_equal(p.session_token, "devtoken");
	assert_string_equal(p.external_id, "ext"); /* merged from the config file */
	assert_null(p.role_arn);
	creds_profile_free(&p);

	assert_int_equal(creds_profile_load(cred_path, conf_path, "role", &p, &err), 0);
	assert_string_equal(p.role_arn, "arn:aws:iam::123456789012:role/r");
	assert_string_equal(p.source_profile, "dev");
	assert_string_equal(p.role_session_name, "s1");
	assert_null(p.access_key);
	creds_profile_free(&p);

	assert_int_equal(creds_profile_load(cred_path, conf_path, "nosuch", &p, &err), -ENOENT);
	assert_int_equal(creds_profile_load("/nonexistent/x", NULL, "default", &p, &err), -ENOENT);
}

static void test_profile_malformed(void **state)
{
	struct aws_profile p;
	struct aws_error err;

	(void)state;
	tu_write_text(cred_path, "[default]\naws_access_key_id AKIA\n", 0600);
	assert_int_equal(creds_profile_load(cred_path, NULL, "default", &p, &err), -EBADMSG);
	assert_non_null(strstr(err.message, ":2: expected key = value"));
	tu_write_text(cred_path, "[default\naws_access_key_id = AKIA\n", 0600);
	assert_int_equal(creds_profile_load(cred_path, NULL, "default", &p, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "unterminated section"));
	/* a lone CR: the AWS CLI would read a second line ("region = ...") there */
	tu_write_text(cred_path, "[default]\naws_access_key_id = AKIA0000\rregion = x\n", 0600);
	assert_int_equal(creds_profile_load(cred_path, NULL, "default", &p, &err), -EBADMSG);
	assert_non_null(strstr(err.message, ":2: carriage return inside a line"));
	/* CRLF line ends are fine */
	tu_write_text(cred_path, "[default]\r\naws_access_key_id = AKIA0000\r\n", 0600);
	assert_int_equal(creds_profile_load(cred_path, NULL, "default", &p, &err), 0);
	assert_string_equal(p.access_key, "AKIA0000");
	creds_profile_free(&p);
	/* other profiles' sections are not parsed, so their junk does not matter */
	tu_write_text(cred_path, "[a]\njunk\n[default]\naws_access_key_id = AKIA0000\n", 0600);
	assert_int_equal(creds_profile_load(cred_path, NULL, "default", &p, &err), 0);
	creds_profile_free(&p);
}

static void test_env_precedence(void **state)
{
	struct iam_config cfg;
	struct aws_creds c;
	struct aws_error err;

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	tu_write_text(cred_path, CREDS, 0600);
	tu_write_text(conf_path, CONFIG, 0600);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
	setenv("AWS_CONFIG_FILE", conf_path, 1);

	/* files only: [default] */
	assert_int_equal(creds_resolve(&cfg, &c, &err), 0);
	assert_string_equal(c.access_key, "AKIADEFAULT000000000");
	assert_string_equal(c.source, "profile:default");
	creds_clear(&c);
	assert_null(c.access_key);

	/* AWS_PROFILE picks another profile */
	setenv("AWS_PROFILE", "dev", 1);
	assert_int_equal(creds_resolve(&cfg, &c, &err), 0);
	assert_string_equal(c.access_key, "AKIADEV0000000000000");
	assert_string_equal(c.session_token, "devtoken");
	creds_clear(&c);

	/* the config's profile beats AWS_PROFILE */
	cfg.profile = strdup("default");
	assert_int_equal(creds_resolve(&cfg, &c, &err), 0);
	assert_string_equal(c.access_key, "AKIADEFAULT000000000");
	creds_clear(&c);

	/* environment keys beat every file, also AWS_PROFILE ... */
	free(cfg.profile);
	cfg.profile = NULL;
	setenv("AWS_PROFILE", "dev", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV0000000000000", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	assert_int_equal(creds_resolve(&cfg, &c, &err), 0);
	assert_string_equal(c.access_key, "AKIAENV0000000000000");
	assert_string_equal(c.secret_key, "envsecret");
	assert_null(c.session_token);
	assert_string_equal(c.source, "env");
	creds_clear(&c);

	/* ... but not a profile named in the config (an explicit choice) */
	cfg.profile = strdup("default");
	assert_int_equal(creds_resolve(&cfg, &c, &err), 0);
	assert_string_equal(c.access_key, "AKIADEFAULT000000000");
	creds_clear(&c);
	free(cfg.profile);
	cfg.profile = NULL;
	unsetenv("AWS_PROFILE");

	/* half-set environment is ignored (SDK behaviour) */
	unsetenv("AWS_SECRET_ACCESS_KEY");
	assert_int_equal(creds_resolve(&cfg, &c, &err), 0);
	assert_string_equal(c.access_key, "AKIADEFAULT000000000");
	creds_clear(&c);
	unsetenv("AWS_ACCESS_KEY_ID");

	/* a named profile that does not exist is an error, not a fall-through */
	free(cfg.profile);
	cfg.profile = strdup("missing");
	assert_int_equal(creds_resolve(&cfg, &c, &err), -EINVAL);
	assert_string_equal(err.code, "InvalidProfile");

	/* nothing anywhere: NoCredentials */
	free(cfg.profile);
	cfg.profile = NULL;
	unsetenv("AWS_PROFILE");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	assert_int_equal(creds_resolve(&cfg, &c, &err), -ENOKEY);
	assert_string_equal(err.code, "NoCredentials");

	/* hostile values never become credentials */
	setenv("AWS_ACCESS_KEY_ID", "AKIA\r\nX-Evil: 1", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
	assert_int_equal(creds_resolve(&cfg, &c, &err), -EINVAL);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_CONFIG_FILE");
	config_free(&cfg);
}

static void test_role_profile_errors(void **state)
{
	struct iam_config cfg;
	struct aws_creds c;
	struct aws_error err;

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	tu_write_text(conf_path,
		      "[profile a]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n"
		      "[profile b]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = a\n"
		      "[profile both]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = a\n"
		      "credential_source = Environment\n"
		      "[profile bad]\nrole_arn = arn:aws:iam::1:role/r\n"
		      "credential_source = Somewhere\n",
		      0600);
	setenv("AWS_CONFIG_FILE", conf_path, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent", 1);
	setenv("AWS_PROFILE", "a", 1);
	assert_int_equal(creds_resolve(&cfg, &c, &err), -ELOOP);
	setenv("AWS_PROFILE", "both", 1);
	assert_int_equal(creds_resolve(&cfg, &c, &err), -EINVAL);
	assert_non_null(strstr(err.message, "both source_profile and credential_source"));
	setenv("AWS_PROFILE", "bad", 1);
	assert_int_equal(creds_resolve(&cfg, &c, &err), -EINVAL);
	assert_non_null(strstr(err.message, "unknown credential_source"));
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_CONFIG_FILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	config_free(&cfg);
}

static void test_json(void **state)
{
	const char *ok = "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAEXAMPLE\","
			 "\"SecretAccessKey\":\"sk\",\"Token\":\"tok\","
			 "\"Expiration\":\"2026-12-01T10:00:00Z\"}";
	struct aws_creds c;
	struct aws_error err;

	(void)state;
	assert_int_equal(creds_parse_json(ok, strlen(ok), "imds", &c, &err), 0);
	assert_string_equal(c.access_key, "ASIAEXAMPLE");
	assert_string_equal(c.secret_key, "sk");
	assert_string_equal(c.session_token, "tok");
	assert_int_equal(c.expiration, 1796119200);
	assert_true(creds_expiring(&c, 1796119200 - 299, 300));
	assert_false(creds_expiring(&c, 1796119200 - 301, 300));
	creds_clear(&c);
	assert_int_equal(creds_parse_json("{\"Code\":\"Failure\"}", 18, "imds", &c, &err),
			 -EBADMSG);
	assert_int_equal(creds_parse_json("{\"AccessKeyId\":\"A\"}", 19, "imds", &c, &err),
			 -EBADMSG);
	assert_int_equal(creds_parse_json("[1,2]", 5, "imds", &c, &err), -EBADMSG);
	assert_int_equal(creds_parse_json("{\"AccessKeyId\":\"ASIA1\",\"AccessKeyId\":\"ASIA2\","
					  "\"SecretAccessKey\":\"s\"}",
					  60, "imds", &c, &err),
			 -EBADMSG); /* duplicate keys refused */
	assert_int_equal(creds_parse_json("{\"AccessKeyId\":\"ASIA1\",\"SecretAccessKey\":\"s\","
					  "\"Expiration\":\"tomorrow\"}",
					  69, "imds", &c, &err),
			 -EBADMSG);
}

static void test_time(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(creds_parse_time("2015-08-30T12:36:00Z", &t), 0);
	assert_int_equal(t, 1440938160);
	assert_int_equal(creds_parse_time("2015-08-30T12:36:00.123Z", &t), 0);
	assert_int_equal(t, 1440938160);
	assert_int_equal(creds_parse_time("2015-08-30T12:36:00+02:00", &t), -EINVAL);
	assert_int_equal(creds_parse_time("2015-08-30", &t), -EINVAL);
	/* not after 1970: 0 would read as "never expires", a negative one as always expiring */
	assert_int_equal(creds_parse_time("1970-01-01T00:00:00Z", &t), -EINVAL);
	assert_int_equal(creds_parse_time("1013-12-03T16:00:00Z", &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_profile_parse),  cmocka_unit_test(test_profile_malformed),
	    cmocka_unit_test(test_env_precedence), cmocka_unit_test(test_role_profile_errors),
	    cmocka_unit_test(test_json),	   cmocka_unit_test(test_time),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
