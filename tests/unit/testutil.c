/* Scratch files for the unit tests (testutil.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

char *tmp_template(char *buf, size_t size, const char *name)
{
	const char *d = getenv("TMPDIR");
	int n = snprintf(buf, size, "%s/%s.XXXXXX", d && *d ? d : "/tmp", name);

	/* a cut template would make mkdtemp fail far from the cause */
	assert_true(n > 0 && (size_t)n < size);
	return buf;
}

char *tu_mkdtemp(char *buf, size_t size, const char *name)
{
	assert_non_null(mkdtemp(tmp_template(buf, size, name)));
	return buf;
}

char *tu_mkstemp_text(const char *name, const char *text, mode_t mode)
{
	char buf[4096];
	char *path = strdup(tmp_template(buf, sizeof(buf), name));
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	tu_write_text(path, text, mode);
	return path;
}

void tu_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

void tu_write_text(const char *path, const char *text, mode_t mode)
{
	tu_write_file(path, text, strlen(text), mode);
}

/*
 * Plain read(2), not base/file's reader: the helper must not depend on
 * code the tests check (test_file watches that reader's buffers).
 */
char *tu_try_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t have = 0, cap = 4096;
	char *data, *bigger;
	ssize_t r;
	int saved;

	if (fd < 0)
		return NULL;
	data = malloc(cap);
	assert_non_null(data);
	for (;;) {
		if (cap - have < 2) {
			bigger = malloc(cap * 2);
			assert_non_null(bigger);
			memcpy(bigger, data, have);
			free(data);
			data = bigger;
			cap *= 2;
		}
		r = read(fd, data + have, cap - have - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	saved = errno;
	close(fd);
	if (r < 0) {
		free(data);
		errno = saved;
		return NULL;
	}
	data[have] = '\0';
	if (len)
		*len = have;
	return data;
}

char *tu_read_file(const char *path, size_t *len)
{
	char *data = tu_try_read_file(path, len);

	if (!data)
		print_error("cannot read %s: %s\n", path, strerror(errno));
	assert_non_null(data);
	return data;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

void tu_rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0 && errno == ENOENT)
		return;
	/* depth first, and never through a symlink a test planted */
	assert_int_equal(nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}
