/* Small file helpers shared by the writers (snapshot, key cache, MFA usersfile). */
#ifndef IAM_FILE_H
#define IAM_FILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replace dir/name with data atomically: write a temp file in dir, set mode
 * (and owner when uid != (uid_t)-1), fsync, rename over name, fsync dir.
 * Readers see the old or the new file, never a mix. Returns 0 or -errno.
 */
int file_write_atomic(const char *dir, const char *name, const void *data, size_t len, mode_t mode,
		      uid_t uid, gid_t gid);

/* Write all len bytes of data to fd, again after EINTR and short writes. 0 or -errno. */
int file_write_full(int fd, const void *data, size_t len);

/*
 * Read at most max bytes of path into a malloc'd, NUL-terminated buffer.
 * -EFBIG when larger. Returns 0 or -errno.
 */
int file_read_bounded(const char *path, size_t max, char **data, size_t *len);
/* The same from an open descriptor (not closed). */
int file_read_fd_bounded(int fd, size_t max, char **data, size_t *len);

/*
 * sshd-style StrictModes check of an open file: owned by root (or by owner when
 * owner != (uid_t)-1) and not writable by group or others. 0 or -EPERM.
 */
int file_check_secure(int fd, uid_t owner);

#endif
