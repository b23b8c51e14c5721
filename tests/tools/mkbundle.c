/*
 * Test-only: sign a snapshot as a fleet bundle with a PEM key, optionally
 * claiming another account, generation or creation time (the snapshot header
 * is rewritten to match and re-checksummed, so only the claim differs):
 *   mkbundle SNAPSHOT KEY.pem OUT [--account A] [--generation G] [--created T]
 * Hostile variants (flipped bytes, truncation) are made from OUT by the tests.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "directory/bundle.h"
#include "snapshot/snapshot_format.h"

static void die(const char *what, const struct iam_err *e)
{
	fprintf(stderr, "mkbundle: %s%s%s\n", what, e ? ": " : "", e ? e->msg : "");
	exit(1);
}

int main(int argc, char **argv)
{
	struct bundle_signer signer;
	struct bundle_pubkey *pub = NULL;
	struct bundle_info info;
	struct snapfmt_header h;
	struct iam_err err = {0};
	char *snap = NULL;
	size_t len = 0, out_len = 0;
	void *out = NULL;
	FILE *f;

	if (argc < 4 || (argc - 4) % 2)
		die("usage: mkbundle SNAPSHOT KEY.pem OUT [--account A] [--generation G] "
		    "[--created T]",
		    NULL);
	if (file_read_bounded(argv[1], SNAPFMT_MAX_FILE, &snap, &len) < 0 || len < sizeof(h))
		die("cannot read the snapshot", NULL);
	memcpy(&h, snap, sizeof(h));
	for (int i = 4; i < argc; i += 2) {
		if (strcmp(argv[i], "--account") == 0) {
			memset(h.account, 0, sizeof(h.account));
			strncpy(h.account, argv[i + 1], sizeof(h.account) - 1);
		} else if (strcmp(argv[i], "--generation") == 0) {
			h.generation = htole64(strtoull(argv[i + 1], NULL, 10));
		} else if (strcmp(argv[i], "--created") == 0) {
			h.created = (int64_t)htole64((uint64_t)strtoll(argv[i + 1], NULL, 10));
		} else {
			die("unknown option", NULL);
		}
	}
	memcpy(snap, &h, sizeof(h));
	{
		uint64_t c = htole64(snapfmt_checksum((const uint8_t *)snap, len));

		memcpy(snap + SNAPFMT_CHECKSUM_OFFSET, &c, 8);
	}
	memset(&info, 0, sizeof(info));
	memcpy(info.account, h.account, sizeof(info.account));
	info.generation = le64toh(h.generation);
	info.created = (int64_t)le64toh((uint64_t)h.created);
	if (bundle_signer_from_pem_file(argv[2], &signer, &pub, &err) < 0)
		die("key", &err);
	if (bundle_encode(&info, snap, len, &signer, pub, &out, &out_len, &err) < 0)
		die("encode", &err);
	f = fopen(argv[3], "wb");
	if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f) != 0)
		die("cannot write the bundle", NULL);
	printf("%llu\n", (unsigned long long)info.generation);
	free(out);
	free(snap);
	bundle_signer_free(&signer);
	bundle_pubkey_free(pub);
	return 0;
}
