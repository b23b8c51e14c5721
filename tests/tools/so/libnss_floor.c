/*
 * libnss_floor: the dispatch floor for the NSS benchmark. A trivial in-memory
 * module answering the same names as `mksnap --generate 5000 300` (u00001..u05000,
 * uid/gid 100000+i; g0001..g0300, gid 200000+j) by arithmetic, with no file, no
 * lock and no index: what glibc's NSS dispatch costs when the module does nothing.
 * Built as build/tests/tools/libnss_floor.so; the bench links it as libnss_floor.so.2.
 */
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define NUSERS 5000
#define NGROUPS 300

enum nss_status _nss_floor_getpwnam_r(const char *, struct passwd *, char *, size_t, int *);
enum nss_status _nss_floor_getpwuid_r(uid_t, struct passwd *, char *, size_t, int *);
enum nss_status _nss_floor_setpwent(int);
enum nss_status _nss_floor_getpwent_r(struct passwd *, char *, size_t, int *);
enum nss_status _nss_floor_endpwent(void);
enum nss_status _nss_floor_getgrnam_r(const char *, struct group *, char *, size_t, int *);
enum nss_status _nss_floor_getgrgid_r(gid_t, struct group *, char *, size_t, int *);
enum nss_status _nss_floor_initgroups_dyn(const char *, gid_t, long *, long *, gid_t **, long,
					  int *);

static unsigned cursor;

static int parse(const char *name, char prefix, int digits, unsigned max)
{
	unsigned v = 0;
	int i;

	if (name[0] != prefix || strlen(name) != (size_t)digits + 1)
		return -1;
	for (i = 1; i <= digits; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(name[i] - '0');
	}
	return v >= 1 && v <= max ? (int)v : -1;
}

static char *put5(char *p, unsigned v)
{
	for (int k = 4; k >= 0; k--, v /= 10)
		p[k] = (char)('0' + v % 10);
	return p + 5;
}

static char *put_str(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* "u00001" "*" "User 00001" "/home/u00001" "/bin/bash", written by hand (no
 * snprintf) so the floor stays a floor */
static enum nss_status fill_pw(unsigned i, struct passwd *pw, char *buf, size_t len, int *errnop)
{
	char *p = buf;

	if (len < 48) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	pw->pw_name = p;
	*p++ = 'u';
	p = put5(p, i);
	*p++ = '\0';
	pw->pw_passwd = p;
	p = put_str(p, "*", 2);
	pw->pw_gecos = p;
	p = put_str(p, "User ", 5);
	p = put5(p, i);
	*p++ = '\0';
	pw->pw_dir = p;
	p = put_str(p, "/home/u", 7);
	p = put5(p, i);
	*p++ = '\0';
	pw->pw_shell = p;
	put_str(p, "/bin/bash", 10);
	pw->pw_uid = pw->pw_gid = 100000 + i;
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_floor_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
				      int *errnop)
{
	int i = parse(name, 'u', 5, NUSERS);
	if (i < 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	return fill_pw((unsigned)i, pw, buf, len, errnop);
}

enum nss_status _nss_floor_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
				      int *errnop)
{
	if (uid <= 100000 || uid > 100000 + NUSERS) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	return fill_pw(uid - 100000, pw, buf, len, errnop);
}

enum nss_status _nss_floor_setpwent(int stayopen)
{
	(void)stayopen;
	cursor = 1;
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_floor_getpwent_r(struct passwd *pw, char *buf, size_t len, int *errnop)
{
	enum nss_status st;

	if (cursor < 1 || cursor > NUSERS) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	st = fill_pw(cursor, pw, buf, len, errnop);
	if (st == NSS_STATUS_SUCCESS)
		cursor++;
	return st;
}

enum nss_status _nss_floor_endpwent(void)
{
	cursor = 0;
	return NSS_STATUS_SUCCESS;
}

/* Members as in mksnap --generate (user i, 0-based, is in groups i%G, (7i+3)%G,
 * (13i+5)%G), precomputed once so group answers carry the same bytes as iam's. */
static unsigned short members[NGROUPS][NUSERS / 32];
static unsigned nmembers[NGROUPS];
static int members_ready;

static void init_members(void)
{
	for (unsigned i = 0; i < NUSERS && !members_ready; i++) {
		unsigned pick[3] = {i % NGROUPS, (i * 7 + 3) % NGROUPS, (i * 13 + 5) % NGROUPS};
		for (int j = 0; j < 3; j++) {
			if ((j > 0 && pick[j] == pick[0]) || (j > 1 && pick[j] == pick[1]))
				continue;
			if (nmembers[pick[j]] < NUSERS / 32)
				members[pick[j]][nmembers[pick[j]]++] = (unsigned short)(i + 1);
		}
	}
	members_ready = 1;
}

static enum nss_status fill_gr(unsigned j, struct group *gr, char *buf, size_t len, int *errnop)
{
	char **mem = (char **)(void *)(((uintptr_t)buf + 7) & ~(uintptr_t)7);
	unsigned n, k;
	size_t need;
	char *p;

	if (!members_ready)
		init_members();
	n = nmembers[j - 1];
	need = 8 + (n + 1) * sizeof(char *) + 8 + (size_t)n * 7;
	if (len < need) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	p = (char *)(mem + n + 1);
	gr->gr_name = p;
	snprintf(p, 12, "g%04u", j % 10000u);
	p += 6;
	gr->gr_passwd = p - 1; /* "" */
	for (k = 0; k < n; k++) {
		unsigned v = members[j - 1][k];
		mem[k] = p;
		p[0] = 'u';
		p[1] = (char)('0' + v / 10000 % 10);
		p[2] = (char)('0' + v / 1000 % 10);
		p[3] = (char)('0' + v / 100 % 10);
		p[4] = (char)('0' + v / 10 % 10);
		p[5] = (char)('0' + v % 10);
		p[6] = '\0';
		p += 7;
	}
	mem[n] = NULL;
	gr->gr_gid = 200000 + j;
	gr->gr_mem = mem;
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_floor_getgrnam_r(const char *name, struct group *gr, char *buf, size_t len,
				      int *errnop)
{
	int j = parse(name, 'g', 4, NGROUPS);
	if (j < 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	return fill_gr((unsigned)j, gr, buf, len, errnop);
}

enum nss_status _nss_floor_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len,
				      int *errnop)
{
	if (gid <= 200000 || gid > 200000 + NGROUPS) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	return fill_gr(gid - 200000, gr, buf, len, errnop);
}

enum nss_status _nss_floor_initgroups_dyn(const char *user, gid_t group, long *start, long *size,
					  gid_t **groupsp, long limit, int *errnop)
{
	int i = parse(user, 'u', 5, NUSERS);
	gid_t g;

	(void)limit;
	if (i < 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	g = 200001 + (gid_t)(i % NGROUPS);
	if (g != group && *start < *size)
		(*groupsp)[(*start)++] = g;
	return NSS_STATUS_SUCCESS;
}
