#include "base/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"

char *const spawn_default_env[] = {(char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", (char *)"LANG=C",
				   NULL};

/* What the parent prepared for the child. */
struct child_fds {
	int null;	  /* /dev/null, read-write */
	int out;	  /* write end of the output pipe */
	int status;	  /* write end of the exec status pipe, or -1 (function child) */
	bool inherit_err; /* keep fd 2 */
	sigset_t mask;	  /* the caller's signal mask (all are blocked across fork) */
};

/* In the child, before an exec failure or setup failure: tell the parent why. */
static __attribute__((noreturn)) void child_fail(int status_fd, int e)
{
	if (status_fd >= 0)
		(void)!write(status_fd, &e, sizeof(e));
	_exit(127);
}

/*
 * Give the child stdin /dev/null, stdout the pipe, stderr as asked, and
 * nothing else but keep (the exec status pipe, moved to 3 and close-on-exec).
 * The fds are first copied above 2 so a parent without stdio cannot have its
 * pipe sitting on 0..2. Only async-signal-safe calls. 0 or errno.
 */
static int child_fds(const struct child_fds *f, enum spawn_stderr err, int *keep)
{
	int null = fcntl(f->null, F_DUPFD_CLOEXEC, 3);
	int out = fcntl(f->out, F_DUPFD_CLOEXEC, 3);
	int errfd = err == SPAWN_STDERR_PIPE ? out : null;

	if (*keep >= 0 && (*keep = fcntl(*keep, F_DUPFD_CLOEXEC, 3)) < 0)
		return errno;
	if (null < 0 || out < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0)
		return errno;
	if (err == SPAWN_STDERR_INHERIT && f->inherit_err) {
		if (fcntl(2, F_SETFD, 0) < 0)
			return errno;
	} else if (dup2(errfd, 2) < 0) {
		return errno;
	}
	if (*keep >= 0) {
		if (dup2(*keep, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
			return errno;
		*keep = 3;
	}
	closefrom(*keep >= 0 ? 4 : 3);
	return 0;
}

/*
 * Every signal at its default, then none blocked: sshd ignores SIGPIPE and an
 * ignored signal stays ignored across exec; a caller's handler must not run in
 * the child before the exec (signals are blocked until here for that).
 */
static void child_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;

		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) < 0)
			continue;
		if (sa.sa_handler != SIG_DFL) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = SIG_DFL;
			sigaction(sig, &sa, NULL);
		}
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static __attribute__((noreturn)) void child_run(const struct spawn_opts *o,
						const struct child_fds *f)
{
	int keep = f->status, e;

	/* Also done by the parent: whichever runs first, the group exists before exec. */
	if (!o->same_group)
		(void)setpgid(0, 0);
	if (o->fn) {
		/* syslog's socket is about to be closed: a later open must not reuse its number */
		closelog();
		if (child_fds(f, o->err, &keep) != 0)
			_exit(127);
		/* the same program: its handlers and mask stay as they were */
		sigprocmask(SIG_SETMASK, &f->mask, NULL);
		_exit(o->fn(o->arg, 1) & 0xff);
	}
	e = child_fds(f, o->err, &keep);
	if (e != 0)
		child_fail(f->status, e);
	child_signals();
	execve(o->path, o->argv ? o->argv : (char *const[]){(char *)o->path, NULL},
	       o->envp ? o->envp : spawn_default_env);
	child_fail(keep, errno);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Read the output (p[0]) and the exec status (p[1]) until both are closed or
 * the deadline. 0, -ETIMEDOUT, -E2BIG, -errno; *exec_err the exec's errno.
 */
static int collect(const struct spawn_opts *o, struct pollfd p[2], struct spawn_result *res,
		   int *exec_err)
{
	char sink[4096];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int64_t left = o->deadline_ms - clock_mono_ms();
		int pr;

		if (left <= 0)
			return -ETIMEDOUT;
		pr = poll(p, 2, left > 60000 ? 60000 : (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -errno;
		if (p[1].fd >= 0 && p[1].revents) {
			int e = 0;
			ssize_t n = read(p[1].fd, &e, sizeof(e));

			if (n < 0 && errno == EINTR)
				continue;
			if (n == (ssize_t)sizeof(e))
				*exec_err = e;
			close_fd(&p[1].fd);
		}
		if (p[0].fd >= 0 && p[0].revents) {
			/* cap + 1 bytes fit: one more than allowed tells "too much" */
			char *dst = res->truncated ? sink : res->out + res->len;
			size_t room = res->truncated ? sizeof(sink) : o->max_output + 1 - res->len;
			ssize_t n = read(p[0].fd, dst, room);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			if (n == 0) {
				close_fd(&p[0].fd);
				continue;
			}
			if (res->truncated)
				continue;
			res->len += (size_t)n;
			if (res->len > o->max_output) {
				res->len = o->max_output;
				if (!o->truncate)
					return -E2BIG;
				res->truncated = true;
			}
		}
	}
	return 0;
}

/* Until pid has ended (left unreaped, so its pid cannot be reused) or the deadline. */
static int wait_ended(pid_t pid, int64_t deadline)
{
	int64_t pause = 1;

	for (;;) {
		siginfo_t si;
		int64_t left;

		si.si_pid = 0;
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (si.si_pid == pid)
			return 0;
		left = deadline - clock_mono_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		sleep_ms(pause < left ? pause : left);
		if (pause < 16)
			pause *= 2;
	}
}

/*
 * Kill what is left of the child's group while the child is still unreaped
 * (its pid, the group's id, cannot have been reused), then reap it.
 */
static int finish(pid_t pid, bool group, struct spawn_result *res)
{
	int status;

	if (group)
		(void)kill(-pid, SIGKILL);
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		res->exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->term_signal = WTERMSIG(status);
	return 0;
}

int spawn_run(const struct spawn_opts *o, struct spawn_result *res)
{
	struct child_fds f = {.null = -1, .out = -1, .status = -1};
	struct pollfd p[2] = {{.fd = -1, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
	struct sigaction dfl = {.sa_handler = SIG_DFL}, saved;
	sigset_t all;
	int pfd[2], sfd[2], exec_err = 0, r = 0, w;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->exit_code = -1;
	if (!o->fn == !o->path)
		return -EINVAL;
	/* Before opening anything: our own /dev/null or pipe could land on a free fd 2. */
	f.inherit_err = fcntl(2, F_GETFD) >= 0;
	res->out = malloc(o->max_output + 2);
	if (!res->out)
		return -ENOMEM;
	res->out[0] = '\0';
	f.null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (f.null < 0)
		return -errno;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		r = -errno;
		close_fd(&f.null);
		return r;
	}
	p[0].fd = pfd[0];
	f.out = pfd[1];
	if (!o->fn) {
		if (pipe2(sfd, O_CLOEXEC) < 0) {
			r = -errno;
			goto out;
		}
		p[1].fd = sfd[0];
		f.status = sfd[1];
	}
	/* A handler or SIG_IGN (auto-reaping) in the caller must not take our child. */
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &saved);
	if (o->fn)
		fflush(NULL); /* or the child would write out our buffered output too */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &f.mask);
	pid = fork();
	if (pid == 0)
		child_run(o, &f);
	r = pid < 0 ? -errno : 0;
	sigprocmask(SIG_SETMASK, &f.mask, NULL);
	if (pid < 0) {
		sigaction(SIGCHLD, &saved, NULL);
		goto out;
	}
	if (!o->same_group)
		(void)setpgid(pid, pid);
	close_fd(&f.out);
	close_fd(&f.status);
	r = collect(o, p, res, &exec_err);
	if (r == 0)
		r = wait_ended(pid, o->deadline_ms);
	w = finish(pid, !o->same_group, res);
	sigaction(SIGCHLD, &saved, NULL);
	if (exec_err)
		r = -exec_err;
	else if (r == 0)
		r = w;
out:
	res->out[res->len] = '\0';
	close_fd(&p[0].fd);
	close_fd(&p[1].fd);
	close_fd(&f.out);
	close_fd(&f.status);
	close_fd(&f.null);
	return r;
}

void spawn_result_free(struct spawn_result *res)
{
	free(res->out);
	res->out = NULL;
	res->len = 0;
}
