#include "chain.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/spawn.h"

#define CHAIN_MAX_ARGS 16
#define CHAIN_MAX_ARG 512

/* Split and expand the command line into argv (storage in buf). */
static int expand(const char *command, const char *user, const char *fp,
		  char buf[CHAIN_MAX_ARGS][CHAIN_MAX_ARG], char **argv, struct iam_err *err)
{
	size_t argc = 0;
	const char *p = command;

	while (*p) {
		size_t n = 0;

		p += strspn(p, " \t");
		if (!*p)
			break;
		if (argc == CHAIN_MAX_ARGS - 1) {
			return err_set(err, -E2BIG, "more than %d arguments", CHAIN_MAX_ARGS - 2);
		}
		while (*p && *p != ' ' && *p != '\t') {
			const char *add = NULL;
			char one[2] = {*p, '\0'};

			if (*p == '%') {
				char t = p[1];
				add = t == 'u'	 ? user
				      : t == 'f' ? (fp ? fp : "")
				      : t == '%' ? "%"
						 : NULL;
				if (!add) {
					return err_set(err, -EINVAL, "unknown token %%%c",
						       t ? t : ' ');
				}
				p += 2;
			} else {
				add = one;
				p++;
			}
			if (n + strlen(add) >= CHAIN_MAX_ARG) {
				return err_set(err, -E2BIG, "argument too long");
			}
			memcpy(buf[argc] + n, add, strlen(add));
			n += strlen(add);
		}
		buf[argc][n] = '\0';
		argv[argc] = buf[argc];
		argc++;
	}
	argv[argc] = NULL;
	if (argc == 0 || argv[0][0] != '/') {
		return err_set(err, -EINVAL, "not an absolute program path");
	}
	return 0;
}

/*
 * Like sshd for its own command: root's file, and every directory above it
 * root's, writable by nobody else (or whoever could write one could swap the
 * program between this check and the exec).
 */
static int program_safe(const char *path, struct iam_err *err)
{
	char dir[CHAIN_MAX_ARG];
	struct stat st;
	char *slash;

	if (stat(path, &st) < 0) {
		int e = errno;
		return err_set(err, -e, "%.150s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		return err_set(err, -EPERM, "%.150s is not a root-owned file others cannot write",
			       path);
	}
	snprintf(dir, sizeof(dir), "%s", path);
	while ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if (stat(dir[0] ? dir : "/", &st) < 0 || st.st_uid != 0 ||
		    (st.st_mode & (S_IWGRP | S_IWOTH))) {
			return err_set(err, -EPERM, "directory %.150s is not root's alone",
				       dir[0] ? dir : "/");
		}
		if (!dir[0])
			break;
	}
	return 0;
}

/* Write the complete, printable lines of out to stdout. */
static void pass_lines(const char *out, size_t len, struct chain_result *res)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(out + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (out + i)) : len - i;
		bool ok = nl != NULL && n > 0;

		for (size_t k = 0; ok && k < n; k++) {
			unsigned char c = (unsigned char)out[i + k];
			ok = (c >= 0x20 && c < 0x7f) || c == '\t';
		}
		if (ok) {
			fwrite(out + i, 1, n + 1, stdout);
			res->lines++;
		} else if (n > 0) {
			res->dropped++;
		}
		i += n + 1;
	}
	fflush(stdout);
}

int chain_run(const char *command, const char *user, const char *fp, int64_t deadline_ms,
	      struct chain_result *res)
{
	char args[CHAIN_MAX_ARGS][CHAIN_MAX_ARG], *argv[CHAIN_MAX_ARGS];
	struct spawn_result sr;
	int r;

	memset(res, 0, sizeof(*res));
	r = expand(command, user, fp, args, argv, &res->err);
	if (r == 0)
		r = program_safe(argv[0], &res->err);
	if (r < 0)
		return r;
	fflush(stdout);
	/* minimal environment, its stderr is ours (sshd's log), its group dies at the deadline */
	r = spawn_run(&(struct spawn_opts){.path = argv[0],
					   .argv = argv,
					   .err = SPAWN_STDERR_INHERIT,
					   .deadline_ms = deadline_ms,
					   .max_output = CHAIN_MAX_OUTPUT},
		      &sr);
	if (r == -ETIMEDOUT) {
		err_set(&res->err, r, "timed out: answer dropped");
	} else if (r == -E2BIG) {
		err_set(&res->err, r, "more than %d bytes: answer dropped", CHAIN_MAX_OUTPUT);
	} else if (r < 0) {
		err_set(&res->err, r, "cannot run %.150s: %s", argv[0], strerror(-r));
	} else if (sr.exit_code != 0) {
		/* like sshd for its own command: a failed command's keys do not count */
		r = err_set(&res->err, -EIO, "%.150s failed (status %d): answer dropped", argv[0],
			    sr.exit_code >= 0 ? sr.exit_code : 128 + sr.term_signal);
	} else {
		pass_lines(sr.out, sr.len, res);
	}
	spawn_result_free(&sr);
	return r;
}
