/*
 * The one spawn helper every child process goes through: what its callers
 * rely on (exit status, signal, deadline over the whole group, bounded
 * output, nothing inherited but what is given, SIGCHLD left as it was).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/spawn.h"

#define SH "/bin/sh"

static struct spawn_opts sh_opts(char **argv, int64_t budget_ms)
{
	struct spawn_opts o = {.path = SH,
			       .argv = argv,
			       .deadline_ms = clock_mono_ms() + budget_ms,
			       .max_output = 4096};
	return o;
}

static int run_sh(const char *script, int64_t budget_ms, struct spawn_result *res)
{
	char *argv[] = {(char *)"sh", (char *)"-c", (char *)script, NULL};
	struct spawn_opts o = sh_opts(argv, budget_ms);

	return spawn_run(&o, res);
}

static void test_exit_status(void **state)
{
	struct spawn_result res;

	(void)state;
	assert_int_equal(run_sh("echo hello; exit 3", 5000, &res), 0);
	assert_int_equal(res.exit_code, 3);
	assert_int_equal(res.term_signal, 0);
	assert_string_equal(res.out, "hello\n");
	spawn_result_free(&res);

	assert_int_equal(run_sh("exit 0", 5000, &res), 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.len, 0);
	spawn_result_free(&res);
}

static void test_signal(void **state)
{
	struct spawn_result res;

	(void)state;
	assert_int_equal(run_sh("kill -TERM $$; sleep 5", 5000, &res), 0);
	assert_int_equal(res.exit_code, -1);
	assert_int_equal(res.term_signal, SIGTERM);
	spawn_result_free(&res);
}

static void test_exec_failure_is_its_errno(void **state)
{
	struct spawn_opts o = {.path = "/nonexistent/program",
			       .deadline_ms = clock_mono_ms() + 5000,
			       .max_output = 16};
	struct spawn_result res;

	(void)state;
	assert_int_equal(spawn_run(&o, &res), -ENOENT);
	spawn_result_free(&res);
	o.path = "/dev/null"; /* not executable */
	assert_int_equal(spawn_run(&o, &res), -EACCES);
	spawn_result_free(&res);
}

static bool pid_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	/* killed, reparented and not yet reaped by init: a zombie is gone too */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && p[2] == 'Z';
}

static bool gone_within(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (pid_gone(pid))
			return true;
		usleep(10000);
	}
	return pid_gone(pid);
}

/* The deadline kills the whole group: the shell and the sleep it put in the background. */
static void test_deadline_kills_group(void **state)
{
	struct spawn_result res;
	int64_t t0 = clock_mono_ms(), took;
	long bg;

	(void)state;
	assert_int_equal(run_sh("sleep 30 & echo $!; sleep 30", 300, &res), -ETIMEDOUT);
	took = clock_mono_ms() - t0;
	assert_true(took >= 300);
	assert_true(took < 2000);
	assert_int_equal(res.exit_code, -1);
	assert_int_equal(res.term_signal, SIGKILL);
	bg = strtol(res.out, NULL, 10);
	assert_true(bg > 1);
	assert_true(gone_within((pid_t)bg, 2000));
	spawn_result_free(&res);
}

/* A child that closed its output but keeps running still meets the deadline. */
static void test_deadline_after_eof(void **state)
{
	struct spawn_result res;
	int64_t t0 = clock_mono_ms();

	(void)state;
	assert_int_equal(run_sh("exec >/dev/null; sleep 30", 300, &res), -ETIMEDOUT);
	assert_true(clock_mono_ms() - t0 < 2000);
	assert_int_equal(res.term_signal, SIGKILL);
	spawn_result_free(&res);
}

/* What a child leaves running in its group when it is done does not outlive the call. */
static void test_leftovers_killed(void **state)
{
	struct spawn_result res;
	long bg;

	(void)state;
	assert_int_equal(run_sh("sleep 30 >/dev/null & echo $!", 5000, &res), 0);
	assert_int_equal(res.exit_code, 0);
	bg = strtol(res.out, NULL, 10);
	assert_true(bg > 1);
	assert_true(gone_within((pid_t)bg, 2000));
	spawn_result_free(&res);
}

static void test_output_cap(void **state)
{
	char *argv[] = {(char *)"sh", (char *)"-c", (char *)"head -c 100 /dev/zero | tr '\\0' x",
			NULL};
	struct spawn_opts o = sh_opts(argv, 5000);
	struct spawn_result res;

	(void)state;
	o.max_output = 100; /* exactly the cap is fine */
	assert_int_equal(spawn_run(&o, &res), 0);
	assert_int_equal(res.len, 100);
	assert_false(res.truncated);
	spawn_result_free(&res);

	o.max_output = 50;
	assert_int_equal(spawn_run(&o, &res), -E2BIG);
	spawn_result_free(&res);

	o.truncate = true;
	assert_int_equal(spawn_run(&o, &res), 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.len, 50);
	assert_true(res.truncated);
	assert_int_equal(strlen(res.out), 50);
	spawn_result_free(&res);
}

/* A descriptor the caller left open (no O_CLOEXEC) is not the child's. */
static void test_inherited_fd_closed(void **state)
{
	char *argv[] = {(char *)"ls", (char *)"/proc/self/fd", NULL};
	struct spawn_opts o = {.path = "/bin/ls",
			       .argv = argv,
			       .deadline_ms = clock_mono_ms() + 5000,
			       .max_output = 4096};
	struct spawn_result res;
	int leak = open("/dev/null", O_RDONLY);

	(void)state;
	assert_true(leak >= 0);
	assert_int_equal(spawn_run(&o, &res), 0);
	assert_int_equal(res.exit_code, 0);
	/* 0-2 and the directory ls itself is reading */
	assert_string_equal(res.out, "0\n1\n2\n3\n");
	spawn_result_free(&res);
	close(leak);
}

/* The function child: how many descriptors above 2 it has. */
static int count_fds(void *arg, int fd)
{
	char buf[32];
	int n = 0, len;

	(void)arg;
	for (int i = 3; i < 1024; i++)
		if (fcntl(i, F_GETFD) >= 0)
			n++;
	len = snprintf(buf, sizeof(buf), "%d", n);
	return write(fd, buf, (size_t)len) == len ? 7 : 1;
}

static void test_function_child(void **state)
{
	struct spawn_opts o = {
	    .fn = count_fds, .deadline_ms = clock_mono_ms() + 5000, .max_output = 64};
	struct spawn_result res;
	int leak = open("/dev/null", O_RDONLY);

	(void)state;
	assert_true(leak >= 0);
	assert_int_equal(spawn_run(&o, &res), 0);
	assert_int_equal(res.exit_code, 7);
	assert_string_equal(res.out, "0");
	spawn_result_free(&res);
	close(leak);
}

static void test_environment(void **state)
{
	char *argv[] = {(char *)"env", NULL};
	char *envp[] = {(char *)"ONLY=this", NULL};
	struct spawn_opts o = {.path = "/usr/bin/env",
			       .argv = argv,
			       .envp = envp,
			       .deadline_ms = clock_mono_ms() + 5000,
			       .max_output = 4096};
	struct spawn_result res;

	(void)state;
	setenv("SPAWN_TEST_SECRET", "leak", 1);
	assert_int_equal(spawn_run(&o, &res), 0);
	assert_string_equal(res.out, "ONLY=this\n");
	spawn_result_free(&res);

	o.envp = NULL;
	assert_int_equal(spawn_run(&o, &res), 0);
	assert_string_equal(res.out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLANG=C\n");
	spawn_result_free(&res);
	unsetenv("SPAWN_TEST_SECRET");
}

static void test_stdio(void **state)
{
	char *argv[] = {(char *)"sh", (char *)"-c", (char *)"echo out; echo err >&2; cat", NULL};
	struct spawn_opts o = sh_opts(argv, 5000);
	struct spawn_result res;

	(void)state;
	assert_int_equal(spawn_run(&o, &res), 0); /* stdin /dev/null: cat ends at once */
	assert_string_equal(res.out, "out\n");
	spawn_result_free(&res);
	o.err = SPAWN_STDERR_PIPE;
	assert_int_equal(spawn_run(&o, &res), 0);
	assert_string_equal(res.out, "out\nerr\n");
	spawn_result_free(&res);
}

static volatile sig_atomic_t chld_seen;

static void on_chld(int sig)
{
	(void)sig;
	chld_seen = 1;
}

/* The caller's SIGCHLD handler or SIG_IGN neither takes the child nor is lost. */
static void test_sigchld_restored(void **state)
{
	struct sigaction sa = {.sa_handler = on_chld}, now;
	struct spawn_result res;

	(void)state;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGCHLD, &sa, NULL), 0);
	assert_int_equal(run_sh("exit 5", 5000, &res), 0);
	assert_int_equal(res.exit_code, 5);
	spawn_result_free(&res);
	assert_int_equal(sigaction(SIGCHLD, NULL, &now), 0);
	assert_ptr_equal(now.sa_handler, on_chld);
	assert_int_equal(chld_seen, 0);

	/* SIG_IGN makes the kernel reap children: the status must still come through */
	signal(SIGCHLD, SIG_IGN);
	assert_int_equal(run_sh("exit 6", 5000, &res), 0);
	assert_int_equal(res.exit_code, 6);
	spawn_result_free(&res);
	assert_int_equal(sigaction(SIGCHLD, NULL, &now), 0);
	assert_ptr_equal(now.sa_handler, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
}

/* An ignored SIGPIPE (sshd's) is not passed on to an exec child. */
static void test_ignored_signal_reset(void **state)
{
	struct spawn_result res;
	unsigned long long ign = ~0ull;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(run_sh("grep SigIgn /proc/self/status", 5000, &res), 0);
	signal(SIGPIPE, SIG_DFL);
	assert_int_equal(sscanf(res.out, "SigIgn: %llx", &ign), 1);
	/*
	 * Signals 1..31 (bits 0..30) must all be default. 32 and 33 are glibc's
	 * own (thread cancel, setxid): sigaction refuses them, a process may
	 * inherit them ignored (CI runners do), and every glibc program installs
	 * its handlers for them at start.
	 */
	assert_int_equal(ign & 0x7fffffffull, 0);
	spawn_result_free(&res);
}

/*
 * A caller without fds 0-2 (a daemon that closed them): our own /dev/null and
 * pipe take those numbers, and an inherited "stderr" must not be the output
 * pipe, or the child's complaints would join its answer.
 */
static void test_no_stderr_of_our_own(void **state)
{
	int back[2];
	pid_t pid;
	char got[128] = "";
	ssize_t n;
	int st;

	(void)state;
	assert_int_equal(pipe(back), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = {(char *)"sh", (char *)"-c", (char *)"echo out; echo err >&2", NULL};
		struct spawn_opts o = sh_opts(argv, 5000);
		struct spawn_result res;
		int keep = fcntl(back[1], F_DUPFD, 10);

		close(back[0]);
		close(back[1]);
		close(0);
		close(1);
		close(2);
		o.err = SPAWN_STDERR_INHERIT;
		if (keep < 0 || spawn_run(&o, &res) < 0)
			_exit(2);
		(void)!write(keep, res.out, res.len);
		_exit(0);
	}
	close(back[1]);
	n = read(back[0], got, sizeof(got) - 1);
	close(back[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(n >= 0);
	got[n > 0 ? n : 0] = '\0';
	assert_string_equal(got, "out\n");
}

/* Nested: a function child's own spawn stays in its group, so one kill takes both. */
static int nested(void *arg, int fd)
{
	char *argv[] = {(char *)"sh", (char *)"-c", (char *)"echo $$ >&2; sleep 30", NULL};
	struct spawn_opts o = {.path = SH,
			       .argv = argv,
			       .max_output = 64,
			       .err = SPAWN_STDERR_INHERIT,
			       .same_group = true};
	struct spawn_result res;

	(void)arg;
	/* the inner shell's pid goes out on its stderr: the outer pipe */
	if (dup2(fd, 2) < 0)
		return 1;
	o.deadline_ms = INT64_MAX;
	(void)spawn_run(&o, &res);
	spawn_result_free(&res);
	return 0;
}

static void test_nested_same_group(void **state)
{
	struct spawn_opts o = {
	    .fn = nested, .deadline_ms = clock_mono_ms() + 300, .max_output = 64};
	struct spawn_result res;
	long inner;

	(void)state;
	assert_int_equal(spawn_run(&o, &res), -ETIMEDOUT);
	inner = strtol(res.out, NULL, 10);
	assert_true(inner > 1);
	assert_true(gone_within((pid_t)inner, 2000));
	spawn_result_free(&res);
}

static void test_bad_options(void **state)
{
	struct spawn_opts o = {.max_output = 1};
	struct spawn_result res;

	(void)state;
	assert_int_equal(spawn_run(&o, &res), -EINVAL);
	spawn_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exit_status),
	    cmocka_unit_test(test_signal),
	    cmocka_unit_test(test_exec_failure_is_its_errno),
	    cmocka_unit_test(test_deadline_kills_group),
	    cmocka_unit_test(test_deadline_after_eof),
	    cmocka_unit_test(test_leftovers_killed),
	    cmocka_unit_test(test_output_cap),
	    cmocka_unit_test(test_inherited_fd_closed),
	    cmocka_unit_test(test_function_child),
	    cmocka_unit_test(test_environment),
	    cmocka_unit_test(test_stdio),
	    cmocka_unit_test(test_sigchld_restored),
	    cmocka_unit_test(test_ignored_signal_reset),
	    cmocka_unit_test(test_no_stderr_of_our_own),
	    cmocka_unit_test(test_nested_same_group),
	    cmocka_unit_test(test_bad_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
