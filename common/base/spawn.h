/*
 * Run a child process with a hard deadline and collect its stdout: the one
 * copy of fork/pipe/poll/wait for every helper the project runs (the key
 * command's fetch, the key cache's fetch child, a chained key command,
 * sshd -T, pam_iam's IAM MFA check).
 *
 * What every child gets, so no caller has to remember it:
 *   - stdin /dev/null, stdout a pipe to us, stderr /dev/null, ours or the pipe;
 *     every other inherited descriptor closed;
 *   - its own process group (unless same_group), SIGKILLed as a whole at the
 *     deadline, and also when it is done (so nothing it started outlives the
 *     call);
 *   - an exec child: only the environment given (default spawn_default_env),
 *     every signal at its default and none blocked (sshd ignores SIGPIPE);
 *   - SIGCHLD at its default while the child runs (a PAM application or sshd
 *     may ignore it or reap in a handler), the caller's disposition restored;
 *   - output bounded: more than max_output bytes is an error, unless the
 *     caller asks for truncation.
 * The exact pid is reaped before returning (waitpid on it, never -1): no
 * zombie of ours is left behind. EINTR is retried throughout.
 */
#ifndef IAM_SPAWN_H
#define IAM_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum spawn_stderr {
	SPAWN_STDERR_NULL,    /* /dev/null */
	SPAWN_STDERR_INHERIT, /* the caller's stderr (/dev/null when it has none) */
	SPAWN_STDERR_PIPE,    /* into the same pipe as stdout */
};

/*
 * A function child: runs in the forked child with its output on fd (its
 * stdout); the return value is the exit status. Only for single-threaded
 * callers: after fork only async-signal-safe calls are safe otherwise.
 * Its stdio is not flushed: write with write(2).
 */
typedef int (*spawn_fn)(void *arg, int fd);

struct spawn_opts {
	const char *path;  /* exec child: the program (execve, no PATH search) */
	char *const *argv; /* its argv; NULL: { path, NULL } */
	char *const *envp; /* its environment; NULL: spawn_default_env */
	spawn_fn fn;	   /* function child instead of path (keeps the environment) */
	void *arg;	   /* for fn */
	enum spawn_stderr err;
	int64_t deadline_ms; /* absolute, clock_mono_ms(); INT64_MAX: none */
	size_t max_output;   /* bytes of stdout kept */
	bool truncate;	     /* beyond max_output: drop the rest (res->truncated), no error */
	/*
	 * Stay in our process group instead of a new one: for a spawn inside a
	 * function child, whose group the outer deadline kill takes as a whole
	 * (a group of its own would escape it). Only the child itself is killed.
	 */
	bool same_group;
};

struct spawn_result {
	int exit_code;	 /* its exit status, or -1 when it did not exit */
	int term_signal; /* the signal that ended it, or 0 */
	char *out;	 /* stdout, NUL-terminated (malloc'd; spawn_result_free) */
	size_t len;
	bool truncated;
};

/* PATH=/usr/sbin:/usr/bin:/sbin:/bin and LANG=C. */
extern char *const spawn_default_env[];

/*
 * Run the child and wait for it until o->deadline_ms. Returns
 *   0            it ended in time: res->exit_code or res->term_signal says how;
 *   -ETIMEDOUT   the deadline passed (group killed; res->out has what came);
 *   -E2BIG       more than max_output bytes without truncate (group killed);
 *   -errno       exec failed (-ENOENT, -EACCES, ...: the exec's own errno), or
 *                the child could not be started (pipe, fork, memory);
 *   -ECHILD      someone else reaped it (another thread's wait(-1)).
 * res is always initialised; free it with spawn_result_free.
 */
int spawn_run(const struct spawn_opts *o, struct spawn_result *res);

void spawn_result_free(struct spawn_result *res);

#endif
