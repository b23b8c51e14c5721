/*
 * Unit tests for common/fileutil.c: read_file_bounded must not leave the
 * content of a file (usersfile, AWS credentials) in heap blocks it frees.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fileutil.h"

#define MARKER "SECRET-MARKER-0123456789abcdef"

/* Set when a block handed to realloc still held MARKER as it was given up. */
static int marker_in_released_block;

/*
 * This program's realloc (the static libiamcommon.a binds to it): always
 * moves, and checks what the old block held before freeing it.
 */
void *realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	old = malloc_usable_size(p);
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	if (memmem(p, old, MARKER, strlen(MARKER)))
		marker_in_released_block = 1;
	free(p);
	return q;
}

static void write_big_file(const char *path, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char block[1024];

	assert_true(fd >= 0);
	assert_int_equal(write(fd, MARKER "\n", strlen(MARKER) + 1), (ssize_t)strlen(MARKER) + 1);
	memset(block, 'x', sizeof(block));
	for (size_t done = 0; done < size; done += sizeof(block))
		assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
	close(fd);
}

static void test_read_grows_without_leaving_content(void **state)
{
	char path[] = "/tmp/test_fileutil.XXXXXX";
	char *data = NULL;
	size_t len = 0;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	/* several times the first 4 KiB buffer: the buffer grows at least twice */
	write_big_file(path, 20 * 1024);
	marker_in_released_block = 0;
	assert_int_equal(read_file_bounded(path, 1 << 20, &data, &len), 0);
	assert_int_equal(len, strlen(MARKER) + 1 + 20 * 1024);
	assert_memory_equal(data, MARKER "\n", strlen(MARKER) + 1);
	assert_int_equal(marker_in_released_block, 0);
	free_secret(data, len);

	/* too large: -EFBIG, and nothing of it left behind either */
	marker_in_released_block = 0;
	assert_int_equal(read_file_bounded(path, 8 * 1024, &data, &len), -EFBIG);
	assert_int_equal(marker_in_released_block, 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_grows_without_leaving_content),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
