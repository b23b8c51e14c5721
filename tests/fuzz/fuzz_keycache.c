/* Key-cache codec: a decoded entry encodes and decodes to the same entry. */
#include <string.h>

#include "fuzz.h"
#include "keys/keycache.h"

static void same(const struct kc_entry *a, const struct kc_entry *b)
{
	FUZZ_ASSERT(a->fetched == b->fetched && a->nkeys == b->nkeys);
	FUZZ_ASSERT(!a->iam_id == !b->iam_id && (!a->iam_id || !strcmp(a->iam_id, b->iam_id)));
	for (size_t i = 0; i < a->nkeys; i++) {
		FUZZ_ASSERT(!strcmp(a->keys[i].id, b->keys[i].id));
		FUZZ_ASSERT(a->keys[i].active == b->keys[i].active);
		FUZZ_ASSERT(!a->keys[i].line == !b->keys[i].line);
		FUZZ_ASSERT(!a->keys[i].line || !strcmp(a->keys[i].line, b->keys[i].line));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kc_entry e = {0}, e2 = {0};
	char *buf = NULL;
	size_t len = 0;

	if (keycache_decode((const char *)data, size, NULL, &e) == 0) {
		FUZZ_ASSERT(e.nkeys <= KC_MAX_KEYS);
		FUZZ_ASSERT(keycache_encode(&e, &buf, &len) == 0);
		FUZZ_ASSERT(keycache_decode(buf, len, NULL, &e2) == 0);
		same(&e, &e2);
		free(buf);
		keycache_entry_free(&e2);
	}
	keycache_entry_free(&e);
	return 0;
}
