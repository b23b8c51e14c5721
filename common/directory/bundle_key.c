/* Keys for bundles: the publisher's private PEM file and the public key hosts trust. */
#include "directory/bundle.h"
#include "directory/bundle_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/file.h"
#include "base/wipe.h"

#define KEY_FILE_MAX (64 * 1024)

/* A P-256 EC key, else NULL with err set. */
static EVP_PKEY *require_p256(EVP_PKEY *k, const char *what, struct iam_err *err)
{
	char group[64] = "";
	size_t glen = 0;

	if (k && EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	    EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof(group), &glen) == 1 &&
	    strcmp(group, "prime256v1") == 0)
		return k;
	err_set(err, -EINVAL, "%.300s: not an ECDSA P-256 (prime256v1) key%s%s", what,
		group[0] ? ": curve " : "", group);
	EVP_PKEY_free(k);
	return NULL;
}

/*
 * Read a key file: regular, no symlink, owned by root or by us, never
 * writable by others; private keys also unreadable by them.
 */
static int read_key_file(const char *path, bool secret, char **data, size_t *len,
			 struct iam_err *err)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return err_set(err, -errno, "%.300s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, -EINVAL, "%.300s: not a regular file", path);
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		close(fd);
		return err_set(err, -EPERM, "%.300s: owned by uid %u, not root", path,
			       (unsigned)st.st_uid);
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) || (secret && (st.st_mode & 077))) {
		close(fd);
		return err_set(err, -EPERM, "%.300s: mode %04o is too open (chmod %s %.300s)", path,
			       (unsigned)(st.st_mode & 07777), secret ? "0600" : "0644", path);
	}
	r = file_read_fd_bounded(fd, KEY_FILE_MAX, data, len);
	close(fd);
	if (r < 0)
		return err_set(err, r, "reading %.300s: %s", path, strerror(-r));
	return 0;
}

static int pem_sign(void *ctx, const void *msg, size_t len, unsigned char *sig, size_t *siglen,
		    struct iam_err *err)
{
	EVP_PKEY *k = ctx;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t n = BUNDLE_MAX_SIG;
	int ok;

	if (!md)
		return -ENOMEM;
	ok = EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	     EVP_DigestSign(md, sig, &n, msg, len) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return err_set(err, -EIO, "signing with the key file failed");
	*siglen = n;
	return 0;
}

static void pem_release(void *ctx)
{
	EVP_PKEY_free(ctx);
}

int bundle_signer_from_pem_file(const char *path, struct bundle_signer *out,
				struct bundle_pubkey **pub, struct iam_err *err)
{
	char *pem = NULL;
	size_t len = 0;
	EVP_PKEY *k;
	BIO *b;
	int r;

	memset(out, 0, sizeof(*out));
	*pub = NULL;
	r = read_key_file(path, true, &pem, &len, err);
	if (r < 0)
		return r;
	b = BIO_new_mem_buf(pem, (int)len);
	k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	wipe_free(pem, len);
	if (!k)
		return err_set(err, -EINVAL, "%.300s: no PEM private key in it", path);
	k = require_p256(k, path, err);
	if (!k)
		return -EINVAL;
	*pub = bundle_pubkey_wrap(k);
	if (!*pub) {
		EVP_PKEY_free(k);
		return -ENOMEM;
	}
	if (EVP_PKEY_up_ref(k) != 1) {
		bundle_pubkey_free(*pub);
		*pub = NULL;
		return -ENOMEM;
	}
	out->sign = pem_sign;
	out->ctx = k;
	out->release = pem_release;
	return 0;
}

void bundle_signer_free(struct bundle_signer *s)
{
	if (s && s->release)
		s->release(s->ctx);
	if (s)
		memset(s, 0, sizeof(*s));
}

int bundle_pubkey_load(const char *path, struct bundle_pubkey **out, struct iam_err *err)
{
	char *pem = NULL;
	size_t len = 0;
	EVP_PKEY *k;
	BIO *b;
	int r;

	*out = NULL;
	if (!path)
		return err_set(err, -EINVAL, "no signing_public_key configured");
	r = read_key_file(path, false, &pem, &len, err);
	if (r < 0)
		return r;
	b = BIO_new_mem_buf(pem, (int)len);
	k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	free(pem);
	if (!k)
		return err_set(err, -EINVAL, "%.300s: no PEM public key in it", path);
	k = require_p256(k, path, err);
	if (!k)
		return -EINVAL;
	*out = bundle_pubkey_wrap(k);
	if (!*out) {
		EVP_PKEY_free(k);
		return -ENOMEM;
	}
	return 0;
}

int bundle_pubkey_from_der(const unsigned char *der, size_t len, struct bundle_pubkey **out,
			   struct iam_err *err)
{
	const unsigned char *p = der;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);

	*out = NULL;
	if (!k || p != der + len) {
		EVP_PKEY_free(k);
		return err_set(err, -EINVAL, "the public key is not a DER SubjectPublicKeyInfo");
	}
	k = require_p256(k, "the KMS key", err);
	if (!k)
		return -EINVAL;
	*out = bundle_pubkey_wrap(k);
	if (!*out) {
		EVP_PKEY_free(k);
		return -ENOMEM;
	}
	return 0;
}
