#include "cli_privs.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_become(const struct passwd *pw, const char *progname, const char *cmd)
{
	int e;

	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		goto fail;
	/* a process that can get root back has not dropped anything */
	if (setuid(0) == 0) {
		errno = EPERM;
		goto fail;
	}
	if (setenv("HOME", pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/", 1) < 0 ||
	    setenv("USER", pw->pw_name, 1) < 0 || setenv("LOGNAME", pw->pw_name, 1) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	fprintf(stderr, "%s %s: cannot drop to %s: %s\n", progname, cmd, pw->pw_name, strerror(e));
	return -e;
}
