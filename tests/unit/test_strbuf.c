/*
 * The growable buffer keeps its content across growth, honours its cap, and
 * never gives a block back to the allocator with its content still in it: it
 * holds request bodies with session tokens, usersfile lines and key cache
 * entries.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/strbuf.h"

#define MARKER "SECRET-MARKER-0123456789abcdef"

/*
 * What free() saw while a test watched: a block that still held MARKER, and
 * whether the one block the test named was all zero (its first watch_len bytes,
 * the strbuf's whole allocation) when it was freed.
 */
static struct {
	int on;
	int marker_freed;
	const void *block;
	size_t block_len;
	int block_seen, block_zero;
} watch;

static void (*real_free)(void *);

__attribute__((constructor)) static void find_free(void)
{
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
}

/* This program's free (the static archives in build/lib bind to it). */
void free(void *p)
{
	if (!p)
		return;
	if (watch.on) {
		size_t n = malloc_usable_size(p), i;
		if (memmem(p, n, MARKER, strlen(MARKER)))
			watch.marker_freed = 1;
		if (p == watch.block) {
			watch.block_seen = 1;
			watch.block_zero = 1;
			for (i = 0; i < watch.block_len; i++)
				if (((const unsigned char *)p)[i])
					watch.block_zero = 0;
		}
	}
	if (real_free)
		real_free(p);
	/* else: called while dlsym was still finding free; leaking is harmless */
}

static void watch_block(const struct strbuf *sb)
{
	memset(&watch, 0, sizeof(watch));
	watch.block = sb->buf;
	watch.block_len = sb->cap;
	watch.on = 1;
}

static void test_growth_keeps_content(void **state)
{
	struct strbuf sb;
	char *want = malloc(200000), *got;
	size_t wl = 0, len = 0, i, caps = 0, last_cap = 0;

	(void)state;
	assert_non_null(want);
	strbuf_init(&sb, 0);
	/* pieces of changing length, through many doublings (64 ... 256 Ki) */
	for (i = 0; wl < 150000; i++) {
		char piece[300];
		size_t n = (i * 37) % sizeof(piece);
		memset(piece, 'a' + (int)(i % 26), n);
		if (i % 3 == 0) {
			assert_int_equal(strbuf_addf(&sb, "<%zu>", i), 0);
			wl += (size_t)sprintf(want + wl, "<%zu>", i);
		}
		assert_int_equal(strbuf_add(&sb, piece, n), 0);
		memcpy(want + wl, piece, n);
		wl += n;
		assert_int_equal(strbuf_addc(&sb, '\n'), 0);
		want[wl++] = '\n';
		if (sb.cap != last_cap)
			caps++, last_cap = sb.cap;
		assert_int_equal(sb.len, wl);
		assert_int_equal(sb.buf[sb.len], '\0');
	}
	assert_true(caps >= 10);
	got = strbuf_detach(&sb, &len);
	assert_non_null(got);
	assert_int_equal(len, wl);
	assert_memory_equal(got, want, wl);
	assert_null(sb.buf);
	free(got);
	free(want);
}

static void test_cap_honoured(void **state)
{
	struct strbuf sb;
	char block[100], *empty;
	size_t len = 1;

	(void)state;
	memset(block, 'x', sizeof(block));
	strbuf_init(&sb, 100);
	assert_int_equal(strbuf_add(&sb, block, 60), 0);
	assert_int_equal(strbuf_add(&sb, block, 40), 0); /* exactly the cap */
	assert_int_equal(sb.len, 100);
	assert_true(sb.cap <= 101); /* the allocation, too */
	assert_int_equal(strbuf_addc(&sb, 'y'), -E2BIG);
	assert_int_equal(sb.len, 100);
	/* the first error sticks: later small adds fail too */
	assert_int_equal(strbuf_adds(&sb, ""), -E2BIG);
	assert_null(strbuf_detach(&sb, &len));
	assert_int_equal(sb.err, -E2BIG);
	assert_null(sb.buf);

	strbuf_init(&sb, 10);
	assert_int_equal(strbuf_addf(&sb, "%s", "0123456789A"), -E2BIG);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);

	strbuf_init(&sb, 0);
	empty = strbuf_detach(&sb, &len);
	assert_string_equal(empty, "");
	assert_int_equal(len, 0);
	free(empty);
}

static void test_growth_wipes_old_block(void **state)
{
	struct strbuf sb;
	char pad[64];
	int grew = 0;

	(void)state;
	strbuf_init(&sb, 0);
	assert_int_equal(strbuf_adds(&sb, MARKER), 0);
	memset(pad, 'p', sizeof(pad));
	/* grow several times; each time the block given up must be all zero */
	while (grew < 5) {
		size_t cap = sb.cap;
		watch_block(&sb);
		assert_int_equal(strbuf_add(&sb, pad, sizeof(pad)), 0);
		watch.on = 0;
		if (sb.cap == cap) {
			assert_false(watch.marker_freed);
			continue;
		}
		grew++;
		assert_true(watch.block_seen);
		assert_true(watch.block_zero);
		assert_false(watch.marker_freed);
		assert_memory_equal(sb.buf, MARKER, strlen(MARKER)); /* the new copy */
	}
	watch_block(&sb);
	strbuf_free(&sb);
	watch.on = 0;
	assert_true(watch.block_seen);
	assert_true(watch.block_zero);
	assert_false(watch.marker_freed);
	assert_null(sb.buf);
}

static void test_failed_detach_wipes(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb, 40);
	assert_int_equal(strbuf_adds(&sb, MARKER), 0);
	assert_int_equal(strbuf_adds(&sb, MARKER), -E2BIG);
	watch_block(&sb);
	assert_null(strbuf_detach(&sb, NULL));
	watch.on = 0;
	assert_true(watch.block_seen);
	assert_true(watch.block_zero);
	assert_false(watch.marker_freed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_growth_keeps_content),
	    cmocka_unit_test(test_cap_honoured),
	    cmocka_unit_test(test_growth_wipes_old_block),
	    cmocka_unit_test(test_failed_detach_wipes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
