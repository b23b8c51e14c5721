/* config_load: defaults, every kind of value, and errors naming file:line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "testutil.h"

static int load(const char *text, struct iam_config *cfg, struct config_error *err)
{
	char *path = tu_mkstemp_text("iam-login-test-conf", text, 0644);
	int r;

	assert_int_equal(config_defaults(cfg), 0);
	r = config_load(path, cfg, err);
	unlink(path);
	free(path);
	return r;
}

static void test_defaults(void **state)
{
	struct iam_config cfg;
	struct config_error err;

	(void)state;
	assert_int_equal(load("", &cfg, &err), 0);
	assert_string_equal(cfg.region, "us-east-1");
	assert_string_equal(cfg.iam_endpoint, "https://iam.amazonaws.com");
	assert_string_equal(cfg.sts_endpoint, "https://sts.us-east-1.amazonaws.com");
	assert_string_equal(cfg.state_dir, "/var/lib/iam-login");
	assert_int_equal(cfg.uid_min, 200000000);
	assert_int_equal(cfg.uid_max, 299999999);
	assert_string_equal(cfg.group_prefix, "iam-");
	assert_int_equal(cfg.connect_timeout_ms, 2000);
	assert_int_equal(cfg.timeout_ms, 10000);
	assert_int_equal(cfg.mfa_policy, MFA_IF_ENROLLED);
	assert_true(str_list_contains(&cfg.key_types, "ssh-ed25519"));
	assert_int_equal(cfg.login_groups.n, 0);
	assert_null(config_service_groups(&cfg, "sudo"));
	config_free(&cfg);
}

static void test_values(void **state)
{
	struct iam_config cfg;
	struct config_error err;
	const struct str_list *sudo;

	(void)state;
	assert_int_equal(load("[aws]\n"
			      "region = eu-west-1\n"
			      "iam_endpoint = http://127.0.0.1:5000\n"
			      "timeout = 2.5   # inline comment\n"
			      "imds_v1_fallback = yes\n"
			      "[directory]\n"
			      "uid_min = 100000\n"
			      "strip_suffixes = @example.com, @corp.example.com\n"
			      "[keys]\n"
			      "login_groups = ops devs\n"
			      "[mfa]\n"
			      "policy = required\n"
			      "[pam]\n"
			      "service.sudo = admins,dba\n",
			      &cfg, &err),
			 0);
	assert_string_equal(cfg.region, "eu-west-1");
	assert_string_equal(cfg.sts_endpoint, "https://sts.eu-west-1.amazonaws.com");
	assert_string_equal(cfg.iam_endpoint, "http://127.0.0.1:5000");
	assert_int_equal(cfg.timeout_ms, 2500);
	assert_true(cfg.imds_v1_fallback);
	assert_int_equal(cfg.uid_min, 100000);
	assert_int_equal(cfg.strip_suffixes.n, 2);
	assert_string_equal(cfg.strip_suffixes.items[1], "@corp.example.com");
	assert_true(str_list_contains(&cfg.login_groups, "devs"));
	assert_int_equal(cfg.mfa_policy, MFA_REQUIRED);
	sudo = config_service_groups(&cfg, "sudo");
	assert_non_null(sudo);
	assert_int_equal(sudo->n, 2);
	assert_true(str_list_contains_ci(sudo, "DBA"));
	config_free(&cfg);
}

struct bad_case {
	const char *text;
	int line;
	const char *needle;
};

static void test_errors_name_the_line(void **state)
{
	static const struct bad_case cases[] = {
	    {"[aws]\nregion = us-east-1\nbogus = 1\n", 3, "unknown key 'bogus'"},
	    {"[nosuch]\nkey = 1\n", 2, "unknown key"},
	    {"[aws]\ntimeout = soon\n", 2, "not a number of seconds"},
	    {"[aws]\ntimeout = -1\n", 2, "not a number of seconds"},
	    {"[aws]\niam_endpoint = http://iam.example.com\n", 2, "loopback"},
	    {"[aws]\nsts_endpoint = ftp://x\n", 2, "https://"},
	    {"[aws]\nimds_v1_fallback = maybe\n", 2, "yes or no"},
	    {"[directory]\nuid_min = 1000\n", 2, "whole number"},
	    {"[directory]\nuid_max = 4294967295\n", 2, "whole number"},
	    {"[directory]\nstate_dir = relative/path\n", 2, "absolute path"},
	    {"[mfa]\npolicy = sometimes\n", 2, "required, if-enrolled or off"},
	    {"[aws]\nregion = a\nregion = b\n", 3, "given twice"},
	    {"[aws]\nthis line has no equals sign\n", 2, "syntax error"},
	    {"[pam]\nservice.bad/name = x\n", 2, "not a valid PAM service"},
	    {"[directory]\nsource = https://bucket/p\n", 2, "s3://BUCKET/PREFIX"},
	    {"[directory]\nsource = s3://Bad_Bucket/p\n", 2, "invalid bucket"},
	    {"[directory]\nsource = s3://ab/p\n", 2, "invalid bucket"},
	    {"[directory]\nsource = s3://bucket/a/../b\n", 2, "prefix"},
	    {"[directory]\nsource = s3://bucket/a b\n", 2, "prefix"},
	    {"[aws]\ns3_endpoint = http://s3.example.com\n", 2, "loopback"},
	    {"[directory]\nsource_account = 12345\n", 2, "12-digit"},
	    {"[directory]\nsource_account = 12345678901x\n", 2, "12-digit"},
	    {"[publish]\nsigning_key = key.pem\n", 2, "kms:KEY-ID or an absolute path"},
	    {"[publish]\nsigning_key = kms:\n", 2, "needs a key id"},
	    {"[publish]\nrepublish_after = 5\n", 2, "out of range"},
	    {"[directory]\nsync_timeout = 0.5\n", 2, "out of range"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct iam_config cfg;
		struct config_error err;
		int r = load(cases[i].text, &cfg, &err);

		if (r == 0 || err.line != cases[i].line || !strstr(err.err.msg, cases[i].needle))
			fail_msg("case %zu: r=%d line=%d msg='%s' (want line %d, '%s')", i, r,
				 err.line, err.err.msg, cases[i].line, cases[i].needle);
		config_free(&cfg);
	}
}

static void test_inconsistent_ranges(void **state)
{
	struct iam_config cfg;
	struct config_error err;

	(void)state;
	assert_int_equal(
	    load("[directory]\nuid_min = 300000000\nuid_max = 200000000\n", &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.err.msg, "uid_min"));
	config_free(&cfg);
	assert_int_equal(load("[directory]\ngroup_prefix = Bad!\n", &cfg, &err), -EINVAL);
	config_free(&cfg);
}

static void test_fleet_keys(void **state)
{
	struct iam_config cfg;
	struct config_error err;

	(void)state;
	assert_int_equal(load("[directory]\nsource = s3://fleet-bucket.example/dir/prod\n"
			      "signing_public_key = /etc/iam-login/publisher.pem\n"
			      "source_account = 123456789012\nsync_timeout = 30\n"
			      "[publish]\ndestination = s3://fleet-bucket.example/dir/stage\n"
			      "signing_key = kms:alias/iam-login\nrepublish_after = 600\n",
			      &cfg, &err),
			 0);
	assert_string_equal(cfg.directory_source, "s3://fleet-bucket.example/dir/prod");
	assert_string_equal(cfg.signing_public_key, "/etc/iam-login/publisher.pem");
	assert_string_equal(cfg.source_account, "123456789012");
	assert_int_equal(cfg.sync_timeout_ms, 30000);
	assert_string_equal(cfg.publish_signing_key, "kms:alias/iam-login");
	assert_int_equal(cfg.publish_republish_after, 600);
	config_free(&cfg);

	/* a source without the key it must verify with would trust anything */
	assert_int_equal(load("[directory]\nsource = s3://fleet-bucket/p\n", &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.err.msg, "signing_public_key"));
	config_free(&cfg);
	assert_int_equal(load("[publish]\ndestination = s3://fleet-bucket/p\n", &cfg, &err),
			 -EINVAL);
	assert_non_null(strstr(err.err.msg, "signing_key"));
	config_free(&cfg);
	assert_int_equal(load("[directory]\nsource = s3://fleet-bucket/p\nsigning_public_key = "
			      "/k.pem\n[publish]\ndestination = s3://fleet-bucket/p\nsigning_key "
			      "= /k\n",
			      &cfg, &err),
			 -EINVAL);
	assert_non_null(strstr(err.err.msg, "the same"));
	config_free(&cfg);

	assert_int_equal(load("", &cfg, &err), 0);
	assert_null(cfg.directory_source);
	assert_int_equal(cfg.sync_timeout_ms, 120000);
	assert_int_equal(cfg.publish_republish_after, 3600);
	config_free(&cfg);
}

static void test_insecure_file_refused(void **state)
{
	struct iam_config cfg;
	struct config_error err;
	char *path = tu_mkstemp_text("iam-login-test-conf", "[aws]\n", 0666);

	(void)state;
	unsetenv("IAM_LOGIN_TEST_MODE");
	/* fchmod in tu_mkstemp_text is subject to nothing; but umask is not involved either */
	chmod(path, 0666);
	assert_int_equal(config_defaults(&cfg), 0);
	assert_int_equal(config_load(path, &cfg, &err), -EPERM);
	assert_non_null(strstr(err.err.msg, "writable"));
	config_free(&cfg);
	setenv("IAM_LOGIN_TEST_MODE", "1", 1);
	assert_int_equal(config_defaults(&cfg), 0);
	assert_int_equal(config_load(path, &cfg, &err), 0);
	config_free(&cfg);
	unsetenv("IAM_LOGIN_TEST_MODE");
	unlink(path);
	free(path);
}

static void test_missing_file(void **state)
{
	struct iam_config cfg;
	struct config_error err;

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	assert_int_equal(config_load("/nonexistent/iam-login.conf", &cfg, &err), -ENOENT);
	assert_string_equal(err.file, "/nonexistent/iam-login.conf");
	config_free(&cfg);
}

static void test_config_path(void **state)
{
	(void)state;
	unsetenv("IAM_LOGIN_CONF");
	assert_string_equal(config_path(NULL), IAM_DEFAULT_CONFIG);
	setenv("IAM_LOGIN_CONF", "/tmp/x.conf", 1);
	assert_string_equal(config_path(NULL), "/tmp/x.conf");
	assert_string_equal(config_path("/etc/explicit.conf"), "/etc/explicit.conf");
	unsetenv("IAM_LOGIN_CONF");
}

/*
 * Issue 14: inih splits a line longer than its buffer and takes the tail as a
 * line of its own, so a long external_id ending in "region = eu-west-1" set
 * the region silently. An over-long line is a file:line error; a line that
 * just fits, and a last line without a newline, are fine.
 */
static void test_overlong_line(void **state)
{
	char text[1024], value[400];
	struct iam_config cfg;
	struct config_error err;

	(void)state;
	memset(value, 'x', 185);
	value[185] = '\0';
	snprintf(text, sizeof(text), "[aws]\nexternal_id = %sregion = eu-west-1\n", value);
	assert_int_not_equal(load(text, &cfg, &err), 0);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.err.msg, "line longer than"));
	config_free(&cfg);

	/* "external_id = " + 150 bytes: well inside inih's line */
	value[150] = '\0';
	snprintf(text, sizeof(text), "[aws]\nexternal_id = %s\nregion = eu-west-2", value);
	assert_int_equal(load(text, &cfg, &err), 0);
	assert_string_equal(cfg.external_id, value);
	assert_string_equal(cfg.region, "eu-west-2");
	config_free(&cfg);
}

/*
 * iam-login.conf.d/NAME.conf: read after the main file in byte order of NAME,
 * each replacing what an earlier file set (the Debian package adds the EIC
 * chain there, never in the operator's conffile); only *.conf, no dotfile, no
 * symlink; an error names the drop-in and its line.
 */
static void test_dropins(void **state)
{
	char dir[256], path[300], d[320], f[400];
	struct iam_config cfg;
	struct config_error err;

	(void)state;
	assert_non_null(tu_mkdtemp(dir, sizeof(dir), "iam-login-test-dropins"));
	snprintf(path, sizeof(path), "%s/iam-login.conf", dir);
	snprintf(d, sizeof(d), "%s.d", path);
	tu_write_text(path, "[keys]\nttl = 30\nchain = /bin/main %u\n[aws]\nregion = eu-west-1\n",
		      0644);
	assert_int_equal(mkdir(d, 0755), 0);
	snprintf(f, sizeof(f), "%s/50-eic.conf", d);
	tu_write_text(
	    f, "[keys]\nchain = /usr/share/ec2-instance-connect/eic_run_authorized_keys %u %f\n",
	    0644);
	snprintf(f, sizeof(f), "%s/60-later.conf", d);
	tu_write_text(f, "[keys]\nttl = 40\n", 0644);
	snprintf(f, sizeof(f), "%s/10-first.conf", d);
	tu_write_text(f, "[keys]\nttl = 20\nnegative_ttl = 7\n", 0644);
	snprintf(f, sizeof(f), "%s/.70-editor.conf", d);
	tu_write_text(f, "[keys]\nttl = 1\n", 0644);
	snprintf(f, sizeof(f), "%s/80-ignored.conf.dpkg-old", d);
	tu_write_text(f, "[keys]\nttl = 2\n", 0644);

	assert_int_equal(config_defaults(&cfg), 0);
	assert_int_equal(config_load(path, &cfg, &err), 0);
	assert_string_equal(cfg.keys_chain,
			    "/usr/share/ec2-instance-connect/eic_run_authorized_keys %u %f");
	assert_int_equal(cfg.keys_ttl, 40);
	assert_int_equal(cfg.keys_negative_ttl, 7);
	assert_string_equal(cfg.region, "eu-west-1");
	assert_string_equal(cfg.path, path);
	config_free(&cfg);

	/* a bad drop-in is an error naming it, and its line */
	snprintf(f, sizeof(f), "%s/90-bad.conf", d);
	tu_write_text(f, "[keys]\n\nttl = soon\n", 0644);
	assert_int_equal(config_defaults(&cfg), 0);
	assert_int_equal(config_load(path, &cfg, &err), -EINVAL);
	assert_string_equal(err.file, f);
	assert_int_equal(err.line, 3);
	config_free(&cfg);
	unlink(f);

	/* twice within one drop-in is an error, as in the main file */
	tu_write_text(f, "[keys]\nttl = 1\nttl = 2\n", 0644);
	assert_int_equal(config_defaults(&cfg), 0);
	assert_int_equal(config_load(path, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.err.msg, "given twice"));
	config_free(&cfg);
	unlink(f);

	/* a symlink is refused: the checked file must be the one in the directory */
	snprintf(f, sizeof(f), "%s/95-link.conf", d);
	assert_int_equal(symlink(path, f), 0);
	assert_int_equal(config_defaults(&cfg), 0);
	assert_int_equal(config_load(path, &cfg, &err), -ELOOP);
	assert_string_equal(err.file, f);
	config_free(&cfg);
	unlink(f);

	/* owner and mode rules apply to the directory and each drop-in */
	unsetenv("IAM_LOGIN_TEST_MODE");
	if (geteuid() == 0) {
		assert_int_equal(chmod(d, 0777), 0);
		assert_int_equal(config_defaults(&cfg), 0);
		assert_int_equal(config_load(path, &cfg, &err), -EPERM);
		assert_string_equal(err.file, d);
		config_free(&cfg);
		assert_int_equal(chmod(d, 0755), 0);
		snprintf(f, sizeof(f), "%s/60-later.conf", d);
		assert_int_equal(chmod(f, 0666), 0);
		assert_int_equal(config_defaults(&cfg), 0);
		assert_int_equal(config_load(path, &cfg, &err), -EPERM);
		assert_string_equal(err.file, f);
		config_free(&cfg);
	}
	tu_rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_errors_name_the_line),
	    cmocka_unit_test(test_overlong_line),
	    cmocka_unit_test(test_inconsistent_ranges),
	    cmocka_unit_test(test_fleet_keys),
	    cmocka_unit_test(test_insecure_file_refused),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_config_path),
	    cmocka_unit_test(test_dropins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
