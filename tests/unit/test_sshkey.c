/* sshkey_sanitize(): real keys pass reduced, hostile bodies never pass. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "keys/sshkey.h"

#define ED_B64 "AAAAC3NzaC1lZDI1NTE5AAAAIEMnxRZ0xqOkUfTYNQW2c0ofbnZDTe7q96UUTISbDvFk"
#define ED_FP "SHA256:/6XzuAO2VV3xrSb15lhNWxo8jGZI6eU48XPEteBKkeo"
#define EC_B64                                                                                     \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBH1F84MI9q/"                          \
	"9AYnT7ykrqbunAWslpHS419j9k/"                                                              \
	"YBelI79S/ZJn0xN0wCyniK6917i5HbBLa2vZTsBtuvIFwttfGE97ApCDSbIs4oXaHpyXd7tTKhew6T9OGU/"      \
	"M5FoBuSEQ=="
#define EC_FP "SHA256:uSTpOoc1rBy3S7gMDH3CwdrU9nYhvPc8zr9ADnjw9TA"
#define RSA_B64                                                                                    \
	"AAAAB3NzaC1yc2EAAAADAQABAAABAQCiL4hN0XOfgM+"                                              \
	"XFMHoujUrQJRxgn9JOOi53GpoZdYgS3imXyNPyJPUlJpD49H"                                         \
	"UprWPjjhL1LCShhx4cFFQwWK5LABwGBW0cuYx4fzF8hFHk2YvAHAi+/WZncpYpa7LXxtE/"                   \
	"XynsTirPQljZ77txtKCQvVPvPJUpuRGs8grX+"                                                    \
	"UVq5q50ymaB0AokPD9q5KbGCnlXcfq6y0QTmqeSLM2cLBata7qp6mF"                                   \
	"iwS6ZNHxhKDApv/jTpAJqRxS50IdTLsZTrzGkU26egdTALSoq70fY/"                                   \
	"Nwgmz77rH7C1Qqf64FWErPFDNX25qSCEsEBBGJruMscUdMpL7OUoGbtFjXNXKYdhmz"
#define RSA_FP "SHA256:rObITmsd2K9qeTyuxlVHjAfAE0lEMARHV6lqrLsc3sk"
#define RSA1K_B64                                                                                  \
	"AAAAB3NzaC1yc2EAAAADAQABAAAAgQCZNhWSKxAx/"                                                \
	"MvO3eYPKkD8PklXs0KlzFAqWUcfAct3p3tnp8TkkFdIlVpDQIdi"                                      \
	"ATHnA3QABW4mzDDXVN+PeHprYUoippzzfQNFBBg1KmFCgUKfjcj1ddF3Wx5Oek+"                          \
	"tQ8AWiEKBO2gJl4ikdyAtpcddnfwM"                                                            \
	"VUWYaIp1TC7IljG2Rw=="
#define SK_B64                                                                                     \
	"AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f" \
	"AAAA"                                                                                     \
	"BHNzaDo="
#define SK_FP "SHA256:/p0CbeE3dk2SyW1OXXsThGc12ezDVD8eGw2/vtztDfk"
#define ED_TRAILING "AAAAC3NzaC1lZDI1NTE5AAAAIEMnxRZ0xqOkUfTYNQW2c0ofbnZDTe7q96UUTISbDvFkAAAAAA=="
#define ED_SHORT "AAAAC3NzaC1lZDI1NTE5AAAAIEMnxRZ0xqOkUfTYNQW2c0ofbnZDTe7q96UUTISbDvE="

static int san(const char *in, char **out, struct sshkey_info *info)
{
	return sshkey_sanitize(in, strlen(in), NULL, out, info);
}

static void expect_ok(const char *in, const char *want, const char *fp)
{
	struct sshkey_info info;
	char *out = NULL;

	assert_int_equal(san(in, &out, &info), 0);
	assert_string_equal(out, want);
	if (fp)
		assert_string_equal(info.fingerprint, fp);
	free(out);
}

static void expect_err(const char *in, size_t len, int err)
{
	char *out = (char *)1;

	assert_int_equal(sshkey_sanitize(in, len, NULL, &out, NULL), err);
	assert_null(out);
}

static void test_real_keys(void **state)
{
	struct sshkey_info info;
	char *out;

	(void)state;
	expect_ok("ssh-ed25519 " ED_B64 " alice@laptop", "ssh-ed25519 " ED_B64 " alice@laptop",
		  ED_FP);
	expect_ok("ecdsa-sha2-nistp384 " EC_B64 " ec", "ecdsa-sha2-nistp384 " EC_B64 " ec", EC_FP);
	expect_ok("ssh-rsa " RSA_B64 " rsa\n", "ssh-rsa " RSA_B64 " rsa", RSA_FP);
	expect_ok("sk-ssh-ed25519@openssh.com " SK_B64, "sk-ssh-ed25519@openssh.com " SK_B64,
		  SK_FP);
	/* no comment, trailing CRLF and blanks, leading blanks */
	expect_ok("  ssh-ed25519 " ED_B64 " \r\n", "ssh-ed25519 " ED_B64, ED_FP);
	assert_int_equal(san("ssh-rsa " RSA_B64, &out, &info), 0);
	assert_int_equal(info.bits, 2048);
	assert_string_equal(info.type, "ssh-rsa");
	free(out);
}

static void test_comment_sanitized(void **state)
{
	(void)state;
	/* leading '-' dropped, non-ASCII replaced, tabs become spaces */
	expect_ok("ssh-ed25519 " ED_B64 " --x\tb\xc3\xa9", "ssh-ed25519 " ED_B64 " x b??", NULL);
	/* a comment that looks like options is only a comment: it follows the key */
	expect_ok("ssh-ed25519 " ED_B64 " command=\"sh\"", "ssh-ed25519 " ED_B64 " command=\"sh\"",
		  NULL);
	/* bounded */
	char in[600], want[600];
	snprintf(in, sizeof(in), "ssh-ed25519 %s %0300d", ED_B64, 0);
	snprintf(want, sizeof(want), "ssh-ed25519 %s %0128d", ED_B64, 0);
	expect_ok(in, want, ED_FP);
}

static void test_options_refused(void **state)
{
	const char *s;

	(void)state;
	s = "command=\"/bin/sh\" ssh-ed25519 " ED_B64 " x";
	expect_err(s, strlen(s), -EPERM);
	s = "no-pty,from=\"*\" ssh-ed25519 " ED_B64;
	expect_err(s, strlen(s), -EPERM);
	s = "environment=\"LD_PRELOAD=/tmp/x\" ssh-rsa " RSA_B64;
	expect_err(s, strlen(s), -EPERM);
	s = "restrict ssh-ed25519 " ED_B64;
	expect_err(s, strlen(s), -EPERM);
}

static void test_control_chars(void **state)
{
	const char *s;
	static const char nul[] = "ssh-ed25519 " ED_B64 " a\0b";

	(void)state;
	/* a second key smuggled after a newline */
	s = "ssh-ed25519 " ED_B64 " a\ncommand=\"sh\" ssh-ed25519 " ED_B64;
	expect_err(s, strlen(s), -EINVAL);
	s = "ssh-ed25519 " ED_B64 "\nssh-ed25519 " ED_B64 "\n";
	expect_err(s, strlen(s), -EINVAL);
	s = "ssh-ed25519 " ED_B64 " a\rb";
	expect_err(s, strlen(s), -EINVAL);
	s = "ssh-ed25519 " ED_B64 " \x1b[2Jx";
	expect_err(s, strlen(s), -EINVAL);
	s = "ssh-ed25519 " ED_B64 " a\x7f";
	expect_err(s, strlen(s), -EINVAL);
	expect_err(nul, sizeof(nul) - 1, -EINVAL);
}

static void test_huge(void **state)
{
	size_t n = 1 << 20, pre = strlen("ssh-ed25519 ");
	char *s = malloc(n + 1);

	(void)state;
	assert_non_null(s);
	memcpy(s, "ssh-ed25519 ", pre);
	memset(s + pre, 'A', n - pre);
	s[n] = '\0';
	expect_err(s, n, -E2BIG);
	/* just under the input limit, a huge base64 blob */
	memset(s + strlen("ssh-rsa "), 'A', SSHKEY_MAX_INPUT);
	memcpy(s, "ssh-rsa ", 8);
	expect_err(s, SSHKEY_MAX_INPUT, -E2BIG);
	free(s);
}

static void test_types(void **state)
{
	const char *s;
	char *items[] = {"ssh-ed25519"};
	struct str_list only_ed = {items, 1};
	char *out = NULL;

	(void)state;
	s = "ssh-dss AAAAB3NzaC1kc3MAAACBAP8=";
	expect_err(s, strlen(s), -EPERM);
	s = "x-unknown-type@example.com " ED_B64;
	expect_err(s, strlen(s), -EPERM);
	s = "SSH-ED25519 " ED_B64;
	expect_err(s, strlen(s), -EPERM);
	/* RSA below 2048 bits */
	s = "ssh-rsa " RSA1K_B64 " small";
	expect_err(s, strlen(s), -EPERM);
	/* configured list */
	s = "ssh-rsa " RSA_B64;
	assert_int_equal(sshkey_sanitize(s, strlen(s), &only_ed, &out, NULL), -EPERM);
	s = "ssh-ed25519 " ED_B64;
	assert_int_equal(sshkey_sanitize(s, strlen(s), &only_ed, &out, NULL), 0);
	free(out);
}

static void test_mismatch_and_base64(void **state)
{
	const char *s;

	(void)state;
	s = "ssh-ed25519 " EC_B64;
	expect_err(s, strlen(s), -EINVAL);
	s = "ecdsa-sha2-nistp256 " EC_B64; /* a P-384 key declared as P-256 */
	expect_err(s, strlen(s), -EINVAL);
	s = "ssh-rsa " ED_B64;
	expect_err(s, strlen(s), -EINVAL);
	s = "ssh-ed25519 " ED_TRAILING;
	expect_err(s, strlen(s), -EINVAL);
	s = "ssh-ed25519 " ED_SHORT;
	expect_err(s, strlen(s), -EINVAL);
	s = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEMnxRZ0xqOkUfTYNQW2c0ofbnZDTe7q96UUTISbDvF";
	expect_err(s, strlen(s), -EINVAL); /* length not a multiple of 4 */
	s = "ssh-ed25519 AAAA=AAA";
	expect_err(s, strlen(s), -EINVAL);
	s = "ssh-ed25519 AAAA!AAA";
	expect_err(s, strlen(s), -EINVAL);
	s = "ssh-ed25519";
	expect_err(s, strlen(s), -EINVAL);
	s = "";
	expect_err(s, 0, -EINVAL);
	s = "   \n";
	expect_err(s, strlen(s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_keys),
	    cmocka_unit_test(test_comment_sanitized),
	    cmocka_unit_test(test_options_refused),
	    cmocka_unit_test(test_control_chars),
	    cmocka_unit_test(test_huge),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_mismatch_and_base64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
