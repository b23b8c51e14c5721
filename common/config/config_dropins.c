/*
 * iam-login.conf.d: settings a package or configuration management adds
 * without editing the operator's file (a dpkg conffile, which maintainer
 * scripts must not change), e.g. the EC2 Instance Connect chain the Debian
 * package writes when it finds EIC. Read after the main file, so a drop-in
 * wins, as in sshd_config.d's counterparts (systemd, apt, sysctl).
 */
#include "config/config_internal.h"
#include "base/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DROPINS 64
#define DROPIN_SUFFIX ".conf"

static int is_dropin_name(const char *name)
{
	size_t n = strlen(name), s = strlen(DROPIN_SUFFIX);

	/* dotfiles are editors' and dpkg's temporaries, never settings */
	return name[0] != '.' && n > s && n < NAME_MAX && strcmp(name + n - s, DROPIN_SUFFIX) == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_dir_error(struct config_error *err, const char *dir, const char *msg, int code)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", dir);
	err->err.code = code;
	snprintf(err->err.msg, sizeof(err->err.msg), "%s", msg);
}

/* The sorted *.conf names of the open directory dfd (closed here). */
static int list_dropins(int dfd, const char *dir, char ***names, size_t *n,
			struct config_error *err)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int r = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		r = -errno;
		close(dfd);
		return r;
	}
	while ((e = readdir(d)) != NULL) {
		char **grown;

		if (!is_dropin_name(e->d_name))
			continue;
		if (*n == MAX_DROPINS) {
			set_dir_error(err, dir, "more than 64 drop-ins", -E2BIG);
			r = -E2BIG;
			break;
		}
		grown = realloc(*names, (*n + 1) * sizeof(**names));
		if (!grown || !(grown[*n] = strdup(e->d_name))) {
			*names = grown ? grown : *names;
			r = -ENOMEM;
			break;
		}
		*names = grown;
		(*n)++;
	}
	closedir(d);
	if (r == 0)
		qsort(*names, *n, sizeof(**names), by_name);
	return r;
}

int config_load_dropins(const char *path, struct iam_config *cfg, struct config_error *err)
{
	const char *test_mode = secure_getenv("IAM_LOGIN_TEST_MODE");
	char dir[PATH_MAX], file[PATH_MAX];
	char **names;
	size_t n;
	int dfd, r;

	if ((size_t)snprintf(dir, sizeof(dir), "%s.d", path) >= sizeof(dir))
		return 0; /* no such directory can exist */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		set_dir_error(err, dir, strerror(-r), r);
		return r;
	}
	if (!(test_mode && strcmp(test_mode, "1") == 0) && file_check_secure(dfd, (uid_t)-1) < 0) {
		close(dfd);
		set_dir_error(err, dir,
			      "refusing a drop-in directory that is not owned by root or is "
			      "writable by group or others (chown root:root; chmod 755)",
			      -EPERM);
		return -EPERM;
	}
	r = list_dropins(dup(dfd), dir, &names, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		/* no symlink: the file checked must be the one the directory's owner put there */
		int fd = openat(dfd, names[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);

		if ((size_t)snprintf(file, sizeof(file), "%s/%s", dir, names[i]) >= sizeof(file)) {
			if (fd >= 0)
				close(fd);
			set_dir_error(err, dir, "drop-in path too long", -ENAMETOOLONG);
			r = -ENAMETOOLONG;
			break;
		}
		if (fd < 0) {
			r = -errno;
			set_dir_error(err, file,
				      r == -ELOOP ? "a symbolic link (drop-ins must be files)"
						  : strerror(-r),
				      r);
			break;
		}
		r = config_load_fd(fd, file, cfg, err);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	close(dfd);
	return r;
}
