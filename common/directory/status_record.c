#include "directory/status_record.h"

#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Overwrite the blocks of an existing full-size record of ours; no allocation needed. */
static int rewrite_in_place(const char *dir, const char *name, const char *rec)
{
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd, r = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_size != STATUS_RECORD_SIZE || st.st_nlink != 1) {
		close(fd);
		return -EPERM;
	}
	n = pwrite(fd, rec, STATUS_RECORD_SIZE, 0);
	if (n != (ssize_t)STATUS_RECORD_SIZE)
		r = n < 0 ? -errno : -EIO;
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int status_record_write(const char *dir, const char *name, const char *text)
{
	size_t len = strlen(text);
	char *rec;
	int r;

	if (len + 1 > STATUS_RECORD_SIZE)
		return -E2BIG;
	rec = malloc(STATUS_RECORD_SIZE);
	if (!rec)
		return -ENOMEM;
	memcpy(rec, text, len);
	memset(rec + len, ' ', STATUS_RECORD_SIZE - len - 1);
	rec[STATUS_RECORD_SIZE - 1] = '\n';
	r = file_write_atomic(dir, name, rec, STATUS_RECORD_SIZE, 0644, (uid_t)-1, (gid_t)-1);
	if (r < 0) {
		int in_place = rewrite_in_place(dir, name, rec);

		if (in_place == 0)
			r = 0;
	}
	free(rec);
	return r;
}
