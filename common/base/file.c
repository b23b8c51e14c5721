#include "base/file.h"
#include "base/wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_write_full(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int file_write_atomic(const char *dir, const char *name, const void *data, size_t len, mode_t mode,
		      uid_t uid, gid_t gid)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd, r;

	if (snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= (int)sizeof(dst) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = file_write_full(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && uid != (uid_t)-1 && fchown(fd, uid, gid) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, dst) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return fsync_dir(dir);
}

int file_read_bounded(const char *path, size_t max, char **data, size_t *len)
{
	/* O_NONBLOCK: a FIFO planted at the path (the key cache directory belongs to
	 * a less privileged user than root running iam-login keys) must not hang us */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int r;

	if (fd < 0)
		return -errno;
	r = file_read_fd_bounded(fd, max, data, len);
	close(fd);
	return r;
}

int file_read_fd_bounded(int fd, size_t max, char **data, size_t *len)
{
	size_t used = 0, cap = 4096;
	struct stat st;
	char *buf;

	/* (character devices stay readable: AWS_CONFIG_FILE=/dev/null is common) */
	if (fstat(fd, &st) < 0 || S_ISFIFO(st.st_mode))
		return -EINVAL;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;
		if (used == cap) {
			/* Not realloc: the files read here hold secrets (usersfile, AWS
			 * credentials), and realloc frees the old block unwiped. */
			char *nb;
			if (cap > max) {
				wipe_free(buf, used);
				return -EFBIG;
			}
			nb = malloc(cap * 2 + 1);
			if (!nb) {
				wipe_free(buf, used);
				return -ENOMEM;
			}
			memcpy(nb, buf, used);
			wipe_free(buf, used);
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			wipe_free(buf, used);
			return -e;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			wipe_free(buf, used);
			return -EFBIG;
		}
	}
	buf[used] = '\0';
	*data = buf;
	if (len)
		*len = used;
	return 0;
}

int file_check_secure(int fd, uid_t owner)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_uid != 0 && (owner == (uid_t)-1 || st.st_uid != owner))
		return -EPERM;
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return -EPERM;
	return 0;
}
