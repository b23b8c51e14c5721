/*
 * nss_bench ITERATIONS ENUM_PASSES: time NSS lookups through glibc (getpwnam,
 * getpwuid, getgrnam, getgrouplist, getpwent) against whatever nsswitch.conf
 * says, for the directory of `mksnap --generate 5000 300` (u00001..u05000,
 * uid 100000+i; g0001..g0300, gid 200000+j). Each call is timed on its own;
 * prints "OP p50_ns p99_ns count" lines, and "# " diagnostics. Every answer
 * is checked (a hit must return the right entry, a miss nothing).
 *
 * nss_bench --count OP N: just N calls of OP (getpwnam_hit, getpwnam_miss,
 * getpwuid_hit, getgrnam_hit, getgrnam_miss, getpwent_all = N whole passes),
 * for instruction counting under
 * callgrind (the difference of two N cancels start-up).
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NUSERS 5000
#define NGROUPS 300

static double *samples;
static long nsamples;
static int wrong;

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *op, long n)
{
	qsort(samples, (size_t)n, sizeof(*samples), cmp);
	printf("%s %.0f %.0f %ld\n", op, samples[n / 2], samples[(n * 99) / 100], n);
	fflush(stdout);
}

static unsigned rnd(unsigned *seed, unsigned max)
{
	return 1 + (unsigned)rand_r(seed) % max;
}

static int count_mode(const char *op, long n)
{
	unsigned seed = 7;
	char name[32];
	long i;

	for (i = 0; i < n; i++) {
		unsigned k = rnd(&seed, strncmp(op, "getgr", 5) == 0 ? NGROUPS : NUSERS);
		if (strcmp(op, "getpwnam_hit") == 0) {
			snprintf(name, sizeof(name), "u%05u", k);
			wrong += getpwnam(name) == NULL;
		} else if (strcmp(op, "getpwnam_miss") == 0) {
			snprintf(name, sizeof(name), "x%05u", k);
			wrong += getpwnam(name) != NULL;
		} else if (strcmp(op, "getpwuid_hit") == 0) {
			wrong += getpwuid(100000 + k) == NULL;
		} else if (strcmp(op, "getgrnam_hit") == 0) {
			snprintf(name, sizeof(name), "g%04u", k);
			wrong += getgrnam(name) == NULL;
		} else if (strcmp(op, "getpwent_all") == 0) {
			long e = 0;
			setpwent();
			while (getpwent())
				e++;
			endpwent();
			wrong += e < NUSERS;
		} else if (strcmp(op, "getgrnam_miss") == 0) {
			snprintf(name, sizeof(name), "y%04u", k);
			wrong += getgrnam(name) != NULL;
		} else {
			return 2;
		}
	}
	return wrong ? 1 : 0;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 10000, passes = argc > 2 ? atol(argv[2]) : 20;
	unsigned seed = 42;
	char name[32];
	long i;

	if (argc == 4 && strcmp(argv[1], "--count") == 0)
		return count_mode(argv[2], atol(argv[3]));
	if (iters < 10)
		iters = 10;
	if (passes < 3)
		passes = 3;
	nsamples = iters > passes ? iters : passes;
	samples = calloc((size_t)nsamples, sizeof(*samples));

	/* warm up: load modules, map files */
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "u%05u", rnd(&seed, NUSERS));
		(void)getpwnam(name);
		(void)getgrnam("g0001");
	}

#define TIME_OP(OPNAME, SETUP, CALL, OK)                                                           \
	do {                                                                                       \
		for (i = 0; i < iters; i++) {                                                      \
			long long t0;                                                              \
			SETUP;                                                                     \
			t0 = now_ns();                                                             \
			CALL;                                                                      \
			samples[i] = (double)(now_ns() - t0);                                      \
			if (!(OK))                                                                 \
				wrong++;                                                           \
		}                                                                                  \
		report(OPNAME, iters);                                                             \
	} while (0)

	unsigned k = 0;
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	TIME_OP("getpwnam_hit", (k = rnd(&seed, NUSERS), snprintf(name, sizeof(name), "u%05u", k)),
		pw = getpwnam(name), pw && pw->pw_uid == 100000 + k);
	TIME_OP("getpwnam_miss", snprintf(name, sizeof(name), "x%05u", rnd(&seed, NUSERS)),
		pw = getpwnam(name), !pw);
	TIME_OP("getpwuid_hit", k = rnd(&seed, NUSERS), pw = getpwuid(100000 + k),
		pw && pw->pw_uid == 100000 + k);
	TIME_OP("getpwuid_miss", k = rnd(&seed, NUSERS), pw = getpwuid(900000 + k), !pw);
	TIME_OP("getgrnam_hit", (k = rnd(&seed, NGROUPS), snprintf(name, sizeof(name), "g%04u", k)),
		gr = getgrnam(name), gr && gr->gr_gid == 200000 + k);
	TIME_OP("getgrnam_miss", snprintf(name, sizeof(name), "y%04u", rnd(&seed, NGROUPS)),
		gr = getgrnam(name), !gr);
	{
		gid_t groups[64];
		int ng = 0;
		TIME_OP("initgroups",
			(k = rnd(&seed, NUSERS), snprintf(name, sizeof(name), "u%05u", k), ng = 64),
			getgrouplist(name, 100000 + k, groups, &ng), ng >= 2);
	}
	/* enumeration: one full pass per sample */
	{
		long n = 0, expect = -1;
		for (i = 0; i < passes; i++) {
			long long t0 = now_ns();
			n = 0;
			setpwent();
			while (getpwent())
				n++;
			endpwent();
			samples[i] = (double)(now_ns() - t0);
			if (expect >= 0 && n != expect)
				wrong++;
			expect = n;
		}
		report("getpwent_all", passes);
		printf("# enumeration returned %ld entries per pass\n", n);
		if (n < NUSERS)
			wrong++;
	}
	printf("# wrong answers: %d\n", wrong);
	return wrong ? 1 : 0;
}
