/*
 * nss_direct MODULE [unavail]: dlopen libnss_iam.so.2 and call its entry points
 * directly, checking glibc's contract where getent cannot see it: ERANGE ->
 * TRYAGAIN with *errnop = ERANGE at every too-small buffer size, the
 * enumeration cursor not advancing on ERANGE, initgroups_dyn growth/limit.
 * Expects the snapshot of tests/e2e/nss_module.sh at the compiled-in path.
 * With "unavail": expects no usable snapshot (UNAVAIL everywhere).
 * With "pin FILE": starts an enumeration, replaces the snapshot with FILE
 * (which holds carol), and checks the walk finishes on the old snapshot while
 * lookups already answer from the new one.
 * With "emfile FILE": replaces the snapshot while the process cannot open
 * files; the module must keep answering from the mapping it has.
 * Prints TAP lines.
 */
#include "base/file.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

typedef enum nss_status (*pwnam_fn)(const char *, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*pwuid_fn)(uid_t, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*pwent_fn)(struct passwd *, char *, size_t, int *);
typedef enum nss_status (*grnam_fn)(const char *, struct group *, char *, size_t, int *);
typedef enum nss_status (*grgid_fn)(gid_t, struct group *, char *, size_t, int *);
typedef enum nss_status (*grent_fn)(struct group *, char *, size_t, int *);
typedef enum nss_status (*setent_fn)(int);
typedef enum nss_status (*endent_fn)(void);
typedef enum nss_status (*initgroups_fn)(const char *, gid_t, long *, long *, gid_t **, long,
					 int *);

static int failures;

__attribute__((format(printf, 2, 3))) static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf(cond ? "ok - " : "not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures += !cond;
}

static void *sym(void *h, const char *name)
{
	void *p = dlsym(h, name);
	if (!p) {
		printf("not ok - symbol %s: %s\n", name, dlerror());
		exit(1);
	}
	return p;
}

static char *members(char **mem)
{
	static char out[256];
	size_t n = 0;

	out[0] = '\0';
	for (; mem && *mem; mem++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? "," : "", *mem);
	return out;
}

int main(int argc, char **argv)
{
	void *h;
	pwnam_fn pwnam;
	pwuid_fn pwuid;
	pwent_fn pwent;
	grnam_fn grnam;
	grgid_fn grgid;
	grent_fn grent;
	setent_fn setpw, setgr;
	endent_fn endpw, endgr;
	initgroups_fn initgr;
	struct passwd pw;
	struct group gr;
	char buf[4096];
	int err, erange_ok, need;
	enum nss_status st;
	size_t len;

	if (argc < 2) {
		fprintf(stderr, "usage: nss_direct MODULE [unavail]\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("not ok - dlopen %s: %s\n", argv[1], dlerror());
		return 1;
	}
	pwnam = (pwnam_fn)sym(h, "_nss_iam_getpwnam_r");
	pwuid = (pwuid_fn)sym(h, "_nss_iam_getpwuid_r");
	pwent = (pwent_fn)sym(h, "_nss_iam_getpwent_r");
	grnam = (grnam_fn)sym(h, "_nss_iam_getgrnam_r");
	grgid = (grgid_fn)sym(h, "_nss_iam_getgrgid_r");
	grent = (grent_fn)sym(h, "_nss_iam_getgrent_r");
	setpw = (setent_fn)sym(h, "_nss_iam_setpwent");
	setgr = (setent_fn)sym(h, "_nss_iam_setgrent");
	endpw = (endent_fn)sym(h, "_nss_iam_endpwent");
	endgr = (endent_fn)sym(h, "_nss_iam_endgrent");
	initgr = (initgroups_fn)sym(h, "_nss_iam_initgroups_dyn");
	check(dlsym(h, "nss_iam_acquire") == NULL, "internal symbols are not exported");

	if (argc > 2 && strcmp(argv[2], "unavail") == 0) {
		long start = 0, size = 4;
		gid_t *g = malloc(4 * sizeof(gid_t));
		check(pwnam("alice", &pw, buf, sizeof(buf), &err) == NSS_STATUS_UNAVAIL,
		      "no snapshot: getpwnam_r UNAVAIL");
		check(pwuid(200001, &pw, buf, sizeof(buf), &err) == NSS_STATUS_UNAVAIL,
		      "no snapshot: getpwuid_r UNAVAIL");
		check(grnam("devs", &gr, buf, sizeof(buf), &err) == NSS_STATUS_UNAVAIL,
		      "no snapshot: getgrnam_r UNAVAIL");
		check(setpw(0) == NSS_STATUS_UNAVAIL, "no snapshot: setpwent UNAVAIL");
		check(pwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_UNAVAIL,
		      "no snapshot: getpwent_r UNAVAIL");
		check(initgr("alice", 1, &start, &size, &g, -1, &err) == NSS_STATUS_UNAVAIL &&
			  start == 0,
		      "no snapshot: initgroups_dyn UNAVAIL");
		free(g);
		return failures ? 1 : 0;
	}

	if (argc > 3 && strcmp(argv[2], "emfile") == 0) {
		struct rlimit old, none = {0, 0};
		char *img;
		size_t n;
		check(pwnam("alice", &pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS,
		      "emfile: alice from the first snapshot");
		check(file_read_bounded(argv[3], 1 << 24, &img, &n) == 0 &&
			  file_write_atomic("/var/lib/iam-login", "directory", img, n, 0644,
					    (uid_t)-1, (gid_t)-1) == 0,
		      "emfile: snapshot replaced");
		free(img);
		getrlimit(RLIMIT_NOFILE, &old);
		none.rlim_max = old.rlim_max;
		setrlimit(RLIMIT_NOFILE, &none);
		usleep(1200 * 1000);
		st = pwnam("alice", &pw, buf, sizeof(buf), &err);
		setrlimit(RLIMIT_NOFILE, &old);
		check(st == NSS_STATUS_SUCCESS,
		      "emfile: out of fds at the re-check, the old mapping keeps answering");
		usleep(1200 * 1000);
		check(pwnam("carol", &pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS &&
			  pwnam("alice", &pw, buf, sizeof(buf), &err) == NSS_STATUS_NOTFOUND,
		      "emfile: with fds back, the new snapshot is mapped");
		return failures ? 1 : 0;
	}

	if (argc > 3 && strcmp(argv[2], "pin") == 0) {
		char *img;
		size_t n;
		check(setpw(0) == NSS_STATUS_SUCCESS &&
			  pwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS &&
			  strcmp(pw.pw_name, "alice") == 0,
		      "pin: enumeration starts on the old snapshot (alice)");
		check(file_read_bounded(argv[3], 1 << 24, &img, &n) == 0 &&
			  file_write_atomic("/var/lib/iam-login", "directory", img, n, 0644,
					    (uid_t)-1, (gid_t)-1) == 0,
		      "pin: snapshot replaced");
		usleep(1200 * 1000); /* past the once-a-second identity check */
		check(pwnam("carol", &pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS,
		      "pin: lookups see the new snapshot (carol)");
		check(pwnam("alice", &pw, buf, sizeof(buf), &err) == NSS_STATUS_NOTFOUND,
		      "pin: lookups no longer see alice");
		check(pwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS &&
			  strcmp(pw.pw_name, "bob") == 0,
		      "pin: the running enumeration continues on the old snapshot (bob)");
		check(pwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_NOTFOUND,
		      "pin: and ends there");
		check(endpw() == NSS_STATUS_SUCCESS && setpw(0) == NSS_STATUS_SUCCESS &&
			  pwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS &&
			  strcmp(pw.pw_name, "carol") == 0,
		      "pin: a new enumeration walks the new snapshot (carol)");
		endpw();
		free(img);
		return failures ? 1 : 0;
	}

	/* getpwnam_r: find the smallest buffer that works, all smaller ones ERANGE */
	need = -1;
	erange_ok = 1;
	for (len = 0; len < 200; len++) {
		err = 0;
		st = pwnam("alice", &pw, buf, len, &err);
		if (st == NSS_STATUS_SUCCESS) {
			need = (int)len;
			break;
		}
		erange_ok &= st == NSS_STATUS_TRYAGAIN && err == ERANGE;
	}
	/* name, "*", gecos, home, shell with their NULs */
	check(need == (int)(6 + 2 + 14 + 12 + 10), "getpwnam_r needs exactly the string bytes (%d)",
	      need);
	check(erange_ok, "getpwnam_r: every smaller buffer gives TRYAGAIN/ERANGE");
	check(strcmp(pw.pw_name, "alice") == 0 && strcmp(pw.pw_passwd, "*") == 0 &&
		  pw.pw_uid == 200001 && pw.pw_gid == 200001 &&
		  strcmp(pw.pw_gecos, "Alice Liddell") == 0 &&
		  strcmp(pw.pw_dir, "/home/alice") == 0 && strcmp(pw.pw_shell, "/bin/bash") == 0,
	      "getpwnam_r alice: every field");
	err = 0;
	check(pwnam("nosuchuser", &pw, buf, sizeof(buf), &err) == NSS_STATUS_NOTFOUND &&
		  err == ENOENT,
	      "getpwnam_r miss: NOTFOUND, errno ENOENT");
	check(pwuid(200002, &pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS &&
		  strcmp(pw.pw_name, "bob") == 0 && pw.pw_gid == 300002,
	      "getpwuid_r 200002 -> bob");
	check(pwuid(4242, &pw, buf, sizeof(buf), &err) == NSS_STATUS_NOTFOUND,
	      "getpwuid_r miss: NOTFOUND");
	check(pwuid(200002, &pw, buf, 5, &err) == NSS_STATUS_TRYAGAIN && err == ERANGE,
	      "getpwuid_r small buffer: TRYAGAIN/ERANGE");

	/* getgrnam_r with members: pointer array + strings */
	need = -1;
	erange_ok = 1;
	for (len = 0; len < 200; len++) {
		err = 0;
		st = grnam("devs", &gr, buf + 1, len, &err); /* misaligned on purpose */
		if (st == NSS_STATUS_SUCCESS) {
			need = (int)len;
			break;
		}
		erange_ok &= st == NSS_STATUS_TRYAGAIN && err == ERANGE;
	}
	check(need > 0 && erange_ok, "getgrnam_r: TRYAGAIN/ERANGE below %d bytes", need);
	check(gr.gr_gid == 300002 && strcmp(gr.gr_name, "devs") == 0 &&
		  strcmp(members(gr.gr_mem), "alice,bob") == 0,
	      "getgrnam_r devs: gid and members (%s)", members(gr.gr_mem));
	check(grgid(200001, &gr, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS &&
		  strcmp(gr.gr_name, "alice") == 0 && gr.gr_mem[0] == NULL,
	      "getgrgid_r: user private group alice, no members");
	check(grnam("alice", &gr, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS &&
		  gr.gr_gid == 200001,
	      "getgrnam_r: user private group by name");
	check(grnam("nosuch", &gr, buf, sizeof(buf), &err) == NSS_STATUS_NOTFOUND,
	      "getgrnam_r miss: NOTFOUND");
	check(grgid(4242, &gr, buf, sizeof(buf), &err) == NSS_STATUS_NOTFOUND,
	      "getgrgid_r miss: NOTFOUND");

	/* enumeration: ERANGE keeps the cursor */
	check(setpw(1) == NSS_STATUS_SUCCESS, "setpwent");
	check(pwent(&pw, buf, 4, &err) == NSS_STATUS_TRYAGAIN && err == ERANGE,
	      "getpwent_r tiny buffer: TRYAGAIN/ERANGE");
	check(pwent(&pw, buf, 10, &err) == NSS_STATUS_TRYAGAIN && err == ERANGE,
	      "getpwent_r tiny buffer again: TRYAGAIN/ERANGE");
	check(pwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS &&
		  strcmp(pw.pw_name, "alice") == 0,
	      "getpwent_r after ERANGE returns the same first entry (%s)", pw.pw_name);
	check(pwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS &&
		  strcmp(pw.pw_name, "bob") == 0,
	      "getpwent_r second entry bob");
	check(pwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_NOTFOUND,
	      "getpwent_r end: NOTFOUND");
	check(pwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_NOTFOUND, "getpwent_r stays at end");
	check(setpw(0) == NSS_STATUS_SUCCESS &&
		  pwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS &&
		  strcmp(pw.pw_name, "alice") == 0,
	      "setpwent rewinds");
	check(endpw() == NSS_STATUS_SUCCESS, "endpwent");

	check(setgr(0) == NSS_STATUS_SUCCESS, "setgrent");
	check(grent(&gr, buf, 8, &err) == NSS_STATUS_TRYAGAIN && err == ERANGE,
	      "getgrent_r tiny buffer: TRYAGAIN/ERANGE");
	{
		char names[256] = "";
		int n = 0;
		while (grent(&gr, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS && n < 10) {
			strcat(names, n++ ? " " : "");
			strcat(names, gr.gr_name);
		}
		check(strcmp(names, "admins devs alice") == 0, "getgrent_r walks all groups: %s",
		      names);
	}
	check(endgr() == NSS_STATUS_SUCCESS, "endgrent");

	/* initgroups_dyn: growth from a full array, primary skipped, limit respected */
	{
		long start = 1, size = 1;
		gid_t *g = malloc(sizeof(gid_t));
		g[0] = 200001;
		st = initgr("alice", 200001, &start, &size, &g, -1, &err);
		check(st == NSS_STATUS_SUCCESS && start == 3 && size >= 3 && g[0] == 200001 &&
			  g[1] == 300001 && g[2] == 300002,
		      "initgroups_dyn alice: grows the array, adds 300001 300002 (start %ld)",
		      start);
		start = 1;
		st = initgr("alice", 300001, &start, &size, &g, -1, &err);
		check(st == NSS_STATUS_SUCCESS && start == 2 && g[1] == 300002,
		      "initgroups_dyn skips the group passed as primary");
		free(g);
		start = 1, size = 1;
		g = malloc(sizeof(gid_t));
		g[0] = 1;
		st = initgr("alice", 1, &start, &size, &g, 2, &err);
		check(st == NSS_STATUS_SUCCESS && start == 2 && size == 2,
		      "initgroups_dyn respects limit (start %ld size %ld)", start, size);
		free(g);
		start = 0, size = 2;
		g = malloc(2 * sizeof(gid_t));
		st = initgr("nosuchuser", 1, &start, &size, &g, -1, &err);
		check(st == NSS_STATUS_NOTFOUND && start == 0,
		      "initgroups_dyn unknown user: NOTFOUND");
		free(g);
	}
	return failures ? 1 : 0;
}
