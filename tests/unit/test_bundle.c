/* The fleet bundle: round trip, every damaged byte and length refused, the host policy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "directory/bundle.h"
#include "snapshot/snapshot_format.h"
#include "testutil.h"

static char dir[256], key_path[300], other_path[300], pub_path[300], p384_path[300];
static unsigned char payload[600];

static void write_key(EVP_PKEY *k, const char *path, bool private_key, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	if (private_key)
		assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	else
		assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
	chmod(path, mode);
}

/* A payload whose snapshot header says what a bundle for it must say. */
static void make_payload(const char *account, uint64_t gen, int64_t created)
{
	struct snapfmt_header h;

	memset(payload, 0x5a, sizeof(payload));
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SNAPFMT_MAGIC, 8);
	h.file_size = htole64(sizeof(payload));
	h.generation = htole64(gen);
	h.created = (int64_t)htole64((uint64_t)created);
	strncpy(h.account, account, sizeof(h.account) - 1);
	memcpy(payload, &h, sizeof(h));
}

static struct bundle_info info_of(const char *account, uint64_t gen, int64_t created)
{
	struct bundle_info i;

	memset(&i, 0, sizeof(i));
	strncpy(i.account, account, sizeof(i.account) - 1);
	i.generation = gen;
	i.created = created;
	return i;
}

static int setup(void **state)
{
	EVP_PKEY *a = EVP_EC_gen("P-256"), *b = EVP_EC_gen("P-256"), *c = EVP_EC_gen("P-384");

	(void)state;
	tu_mkdtemp(dir, sizeof(dir), "test_bundle");
	snprintf(key_path, sizeof(key_path), "%s/signer.pem", dir);
	snprintf(other_path, sizeof(other_path), "%s/other.pem", dir);
	snprintf(pub_path, sizeof(pub_path), "%s/public.pem", dir);
	snprintf(p384_path, sizeof(p384_path), "%s/p384.pem", dir);
	write_key(a, key_path, true, 0600);
	write_key(a, pub_path, false, 0644);
	write_key(b, other_path, true, 0600);
	write_key(c, p384_path, true, 0600);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	EVP_PKEY_free(c);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rm_tree(dir);
	return 0;
}

/* A bundle signed by key_path (or path) for payload. */
static void *make_bundle(const char *path, const struct bundle_info *info, size_t *len)
{
	struct bundle_signer s;
	struct bundle_pubkey *pub = NULL;
	struct iam_err err = {0};
	void *out = NULL;

	assert_int_equal(bundle_signer_from_pem_file(path, &s, &pub, &err), 0);
	assert_int_equal(bundle_encode(info, payload, sizeof(payload), &s, pub, &out, len, &err),
			 0);
	bundle_signer_free(&s);
	bundle_pubkey_free(pub);
	return out;
}

static struct bundle_pubkey *trusted(void)
{
	struct bundle_pubkey *k = NULL;
	struct iam_err err = {0};

	assert_int_equal(bundle_pubkey_load(pub_path, &k, &err), 0);
	return k;
}

static void test_round_trip(void **state)
{
	struct bundle_info in = info_of("123456789012", 42, 1700000000), out;
	struct bundle_pubkey *k = trusted();
	struct iam_err err = {0};
	const void *p;
	size_t len, plen;
	void *b;

	(void)state;
	make_payload("123456789012", 42, 1700000000);
	b = make_bundle(key_path, &in, &len);
	assert_int_equal(bundle_verify(b, len, k, &out, &p, &plen, &err), 0);
	assert_string_equal(out.account, "123456789012");
	assert_int_equal(out.generation, 42);
	assert_int_equal(out.created, 1700000000);
	assert_int_equal(plen, sizeof(payload));
	assert_memory_equal(p, payload, sizeof(payload));
	assert_true((const char *)p > (const char *)b && (const char *)p + plen < (char *)b + len);
	free(b);
	bundle_pubkey_free(k);
}

/* An MFA bundle is never taken for a directory bundle, nor the reverse (both signed). */
static void test_kinds_do_not_mix(void **state)
{
	struct bundle_info in = info_of("123456789012", 7, 1700000000), out;
	struct bundle_pubkey *k = trusted(), *pub = NULL;
	struct bundle_signer s;
	struct iam_err err = {0};
	char mfa[128];
	const void *p;
	size_t len, plen, mlen;
	void *b, *m = NULL;

	(void)state;
	make_payload("123456789012", 7, 1700000000);
	b = make_bundle(key_path, &in, &len);
	assert_int_equal(bundle_verify_mfa(b, len, k, &out, &p, &plen, &err), -EBADMSG);
	mlen = (size_t)snprintf(mfa, sizeof(mfa), "%s 123456789012 7 1700000000\n",
				BUNDLE_MFA_PAYLOAD_TAG);
	assert_int_equal(bundle_signer_from_pem_file(key_path, &s, &pub, &err), 0);
	assert_int_equal(bundle_encode_mfa(&in, mfa, mlen, &s, pub, &m, &len, &err), 0);
	assert_int_equal(bundle_verify_mfa(m, len, k, &out, &p, &plen, &err), 0);
	assert_int_equal(plen, mlen);
	assert_int_equal(bundle_verify(m, len, k, &out, &p, &plen, &err), -EBADMSG);
	/* a payload whose first line names another generation is refused at encode time */
	mlen = (size_t)snprintf(mfa, sizeof(mfa), "%s 123456789012 8 1700000000\n",
				BUNDLE_MFA_PAYLOAD_TAG);
	free(m);
	m = NULL;
	assert_int_equal(bundle_encode_mfa(&in, mfa, mlen, &s, pub, &m, &len, &err), -EBADMSG);
	bundle_signer_free(&s);
	bundle_pubkey_free(pub);
	bundle_pubkey_free(k);
	free(b);
}

static void test_every_flipped_byte_refused(void **state)
{
	struct bundle_info in = info_of("123456789012", 7, 1700000000), out;
	struct bundle_pubkey *k = trusted();
	unsigned char *b;
	size_t len;

	(void)state;
	make_payload("123456789012", 7, 1700000000);
	b = make_bundle(key_path, &in, &len);
	for (size_t i = 0; i < len; i++) {
		struct iam_err err = {0};
		const void *p;
		size_t plen;

		b[i] ^= 0x01;
		if (bundle_verify(b, len, k, &out, &p, &plen, &err) == 0)
			fail_msg("byte %zu flipped: accepted", i);
		assert_true(err.msg[0] != '\0');
		b[i] ^= 0x01;
	}
	free(b);
	bundle_pubkey_free(k);
}

static void test_every_length_refused(void **state)
{
	struct bundle_info in = info_of("123456789012", 7, 1700000000), out;
	struct bundle_pubkey *k = trusted();
	struct iam_err err = {0};
	const void *p;
	unsigned char *b, *longer;
	size_t len, plen;

	(void)state;
	make_payload("123456789012", 7, 1700000000);
	b = make_bundle(key_path, &in, &len);
	for (size_t n = 0; n < len; n++)
		assert_int_not_equal(bundle_verify(b, n, k, &out, &p, &plen, &err), 0);
	longer = malloc(len + 1);
	memcpy(longer, b, len);
	longer[len] = 0;
	assert_int_equal(bundle_verify(longer, len + 1, k, &out, &p, &plen, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "trailing"));
	free(longer);
	free(b);
	bundle_pubkey_free(k);
}

static void test_other_key_and_mismatch(void **state)
{
	struct bundle_info in = info_of("123456789012", 7, 1700000000), out;
	struct bundle_pubkey *k = trusted();
	struct bundle_signer s;
	struct bundle_pubkey *pub = NULL;
	struct iam_err err = {0};
	const void *p;
	size_t len, plen;
	void *b;

	(void)state;
	make_payload("123456789012", 7, 1700000000);
	b = make_bundle(other_path, &in, &len);
	assert_int_equal(bundle_verify(b, len, k, &out, &p, &plen, &err), -EKEYREJECTED);
	assert_non_null(strstr(err.msg, "signature does not verify"));
	free(b);

	/* the header may not claim another account than the snapshot inside */
	in = info_of("210987654321", 7, 1700000000);
	assert_int_equal(bundle_signer_from_pem_file(key_path, &s, &pub, &err), 0);
	assert_int_equal(bundle_encode(&in, payload, sizeof(payload), &s, pub, &b, &len, &err),
			 -EBADMSG);
	assert_non_null(strstr(err.msg, "account"));
	/* a signer that is not the key it claims is caught before anything is uploaded */
	bundle_pubkey_free(pub);
	bundle_signer_free(&s);
	pub = NULL;
	assert_int_equal(bundle_signer_from_pem_file(other_path, &s, &pub, &err), 0);
	in = info_of("123456789012", 7, 1700000000);
	assert_int_equal(bundle_encode(&in, payload, sizeof(payload), &s, k, &b, &len, &err),
			 -EKEYREJECTED);
	bundle_signer_free(&s);
	bundle_pubkey_free(pub);
	bundle_pubkey_free(k);
}

static void test_key_files(void **state)
{
	struct bundle_signer s;
	struct bundle_pubkey *pub = NULL;
	struct iam_err err = {0};

	(void)state;
	assert_int_equal(bundle_signer_from_pem_file(p384_path, &s, &pub, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "P-256"));
	chmod(key_path, 0640);
	assert_int_equal(bundle_signer_from_pem_file(key_path, &s, &pub, &err), -EPERM);
	assert_non_null(strstr(err.msg, "too open"));
	chmod(key_path, 0600);
	chmod(pub_path, 0664);
	assert_int_equal(bundle_pubkey_load(pub_path, &pub, &err), -EPERM);
	chmod(pub_path, 0644);
	assert_int_equal(bundle_pubkey_load(key_path, &pub, &err), -EINVAL); /* not a public key */
	assert_int_equal(bundle_pubkey_load("/nonexistent/k.pem", &pub, &err), -ENOENT);
}

static void test_policy(void **state)
{
	struct bundle_info i = info_of("123456789012", 100, 1000000);
	struct iam_err err = {0};

	(void)state;
	assert_int_equal(bundle_check_policy(&i, "123456789012", 99, 1000010, 3600, &err), 0);
	assert_int_equal(bundle_check_policy(&i, NULL, 0, 1000010, 0, &err), 0);
	assert_int_equal(bundle_check_policy(&i, "123456789012", 100, 1000010, 3600, &err),
			 BUNDLE_SAME_GENERATION);
	assert_int_equal(bundle_check_policy(&i, "123456789012", 101, 1000010, 3600, &err),
			 -ESTALE);
	assert_non_null(strstr(err.msg, "rollback"));
	assert_int_equal(bundle_check_policy(&i, "999999999999", 99, 1000010, 3600, &err), -EPERM);
	assert_int_equal(bundle_check_policy(&i, NULL, 99, 1000000 + 3601, 3600, &err), -ESTALE);
	assert_non_null(strstr(err.msg, "publisher running"));
	assert_int_equal(bundle_check_policy(&i, NULL, 99, 1000000 - 301, 3600, &err), -ESTALE);
	assert_non_null(strstr(err.msg, "future"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_kinds_do_not_mix),
	    cmocka_unit_test(test_every_flipped_byte_refused),
	    cmocka_unit_test(test_every_length_refused),
	    cmocka_unit_test(test_other_key_and_mismatch),
	    cmocka_unit_test(test_key_files),
	    cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
