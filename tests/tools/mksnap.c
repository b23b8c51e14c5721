/*
 * mksnap: write a directory snapshot from a text description or a generated
 * directory, without IAM. Used by the snapshot/NSS tests, the benchmark and by
 * other tests before `iam-login sync` is available. See usage() below.
 */
#include "directory/dirmodel.h"
#include "directory/snapshot_writer.h"
#include "snapshot/snapshot_reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mksnap DESC|- DIR          write DIR/directory from a text description\n"
		"       mksnap --generate NUSERS NGROUPS DIR [PASSWD GROUP]\n"
		"                                   generated directory; optionally also write\n"
		"                                   the same users/groups in passwd/group format\n"
		"\n"
		"Description lines (fields separated by blanks; '-' is an empty field;\n"
		"%%XX is a hex-escaped byte, e.g. %%20 for a space; '#' starts a comment):\n"
		"  account ACCOUNTID\n"
		"  created UNIXTIME\n"
		"  user NAME UID GID GECOS HOME SHELL IAMNAME IAMID ARN [GROUP,GROUP...]\n"
		"  group NAME GID [IAMNAME IAMID ARN]\n"
		"  exclude KIND IAMNAME REASON...   (REASON is the rest of the line, verbatim)\n"
		"A user whose GID names no 'group' line gets a user private group of the same\n"
		"name and gid. Group members are the users that list the group.\n"
		"Generated: users u00001.. (uid/gid 100000+i, private groups), groups g0001..\n"
		"(gid 200000+j), each user in up to 3 groups; account 123456789012.\n");
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d) {
		perror("strdup");
		exit(2);
	}
	return d;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		perror("realloc");
		exit(2);
	}
	return p;
}

/* '-' -> "", %XX -> byte */
static char *decode(const char *s)
{
	char *d, *o;

	if (!s || strcmp(s, "-") == 0)
		return xstrdup("");
	d = o = xstrdup(s);
	while (*s) {
		unsigned v;
		if (s[0] == '%' && s[1] && s[2] && sscanf(s + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return d;
}

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || *end || end == s || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

struct pending {
	char **group_names; /* per user: comma list, resolved after parsing */
};

static long find_group(const struct dir_model *m, const char *name)
{
	for (size_t i = 0; i < m->ngroups; i++)
		if (strcmp(m->groups[i].name, name) == 0)
			return (long)i;
	return -1;
}

static long find_gid(const struct dir_model *m, uint32_t gid)
{
	for (size_t i = 0; i < m->ngroups; i++)
		if (m->groups[i].gid == gid)
			return (long)i;
	return -1;
}

static void add_member(struct dir_model *m, size_t g, size_t u)
{
	struct dir_group *gr = &m->groups[g];
	struct dir_user *us = &m->users[u];

	gr->member_idx = xrealloc(gr->member_idx, (gr->nmembers + 1) * sizeof(uint32_t));
	gr->member_idx[gr->nmembers++] = (uint32_t)u;
	us->group_idx = xrealloc(us->group_idx, (us->ngroups + 1) * sizeof(uint32_t));
	us->group_idx[us->ngroups++] = (uint32_t)g;
}

static struct dir_group *new_group(struct dir_model *m)
{
	m->groups = xrealloc(m->groups, (m->ngroups + 1) * sizeof(*m->groups));
	memset(&m->groups[m->ngroups], 0, sizeof(*m->groups));
	return &m->groups[m->ngroups++];
}

static int parse_desc(FILE *f, struct dir_model *m)
{
	char line[8192];
	char **ugroups = NULL;
	int lineno = 0;
	size_t i;

	while (fgets(line, sizeof(line), f)) {
		char *fld[12] = {0}, *save = NULL, *p;
		int n = 0;
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\0')
			continue;
		if (strncmp(p, "exclude ", 8) == 0) {
			char kind[64], name[1024];
			int used = 0;
			if (sscanf(p + 8, "%63s %1023s %n", kind, name, &used) < 2 || !used) {
				fprintf(stderr, "mksnap: line %d: exclude KIND IAMNAME REASON\n",
					lineno);
				return -1;
			}
			m->excluded =
			    xrealloc(m->excluded, (m->nexcluded + 1) * sizeof(*m->excluded));
			memset(&m->excluded[m->nexcluded], 0, sizeof(*m->excluded));
			m->excluded[m->nexcluded].kind = decode(kind);
			m->excluded[m->nexcluded].iam_name = decode(name);
			m->excluded[m->nexcluded].reason = xstrdup(p + 8 + used);
			m->nexcluded++;
			continue;
		}
		for (char *t = strtok_r(p, " \t", &save); t && n < 12;
		     t = strtok_r(NULL, " \t", &save))
			fld[n++] = t;
		if (strcmp(fld[0], "account") == 0 && n == 2) {
			snprintf(m->account, sizeof(m->account), "%s", fld[1]);
		} else if (strcmp(fld[0], "created") == 0 && n == 2) {
			m->created = strtoll(fld[1], NULL, 10);
		} else if (strcmp(fld[0], "user") == 0 && (n == 10 || n == 11)) {
			struct dir_user *u;
			m->users = xrealloc(m->users, (m->nusers + 1) * sizeof(*m->users));
			ugroups = xrealloc(ugroups, (m->nusers + 1) * sizeof(*ugroups));
			u = &m->users[m->nusers];
			memset(u, 0, sizeof(*u));
			ugroups[m->nusers] = decode(n == 11 ? fld[10] : "-");
			m->nusers++;
			u->name = decode(fld[1]);
			if (parse_u32(fld[2], &u->uid) || parse_u32(fld[3], &u->gid)) {
				fprintf(stderr, "mksnap: line %d: bad uid/gid\n", lineno);
				return -1;
			}
			u->gecos = decode(fld[4]);
			u->home = decode(fld[5]);
			u->shell = decode(fld[6]);
			u->iam_name = decode(fld[7]);
			u->iam_id = decode(fld[8]);
			u->iam_arn = decode(fld[9]);
		} else if (strcmp(fld[0], "group") == 0 && (n == 3 || n == 6)) {
			struct dir_group *g = new_group(m);
			g->name = decode(fld[1]);
			if (parse_u32(fld[2], &g->gid)) {
				fprintf(stderr, "mksnap: line %d: bad gid\n", lineno);
				return -1;
			}
			g->iam_name = decode(n == 6 ? fld[3] : "-");
			g->iam_id = decode(n == 6 ? fld[4] : "-");
			g->iam_arn = decode(n == 6 ? fld[5] : "-");
		} else {
			fprintf(stderr, "mksnap: line %d: cannot parse (see --help)\n", lineno);
			return -1;
		}
	}
	/* private groups, then memberships */
	for (i = 0; i < m->nusers; i++) {
		struct dir_user *u = &m->users[i];
		if (find_gid(m, u->gid) < 0) {
			struct dir_group *g = new_group(m);
			g->name = xstrdup(u->name);
			g->gid = u->gid;
			g->iam_name = xstrdup(u->iam_name);
			g->iam_id = xstrdup(u->iam_id);
			g->iam_arn = xstrdup(u->iam_arn);
			g->user_private = true;
		}
	}
	for (i = 0; i < m->nusers; i++) {
		char *save = NULL;
		for (char *t = strtok_r(ugroups[i], ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			long g = find_group(m, t);
			if (g < 0) {
				fprintf(stderr, "mksnap: user %s: unknown group %s\n",
					m->users[i].name, t);
				return -1;
			}
			add_member(m, (size_t)g, i);
		}
		free(ugroups[i]);
	}
	free(ugroups);
	return 0;
}

__attribute__((format(printf, 1, 2))) static char *fmt(const char *f, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return xstrdup(buf);
}

static void generate(struct dir_model *m, long nusers, long ngroups)
{
	long i, j;

	snprintf(m->account, sizeof(m->account), "123456789012");
	m->created = time(NULL);
	m->users = xrealloc(NULL, (size_t)nusers * sizeof(*m->users));
	memset(m->users, 0, (size_t)nusers * sizeof(*m->users));
	m->nusers = (size_t)nusers;
	for (j = 1; j <= ngroups; j++) {
		struct dir_group *g = new_group(m);
		g->name = fmt("g%04ld", j);
		g->gid = (uint32_t)(200000 + j);
		g->iam_name = fmt("Group%04ld", j);
		g->iam_id = fmt("AGPA%017ld", j);
		g->iam_arn = fmt("arn:aws:iam::123456789012:group/Group%04ld", j);
	}
	for (i = 1; i <= nusers; i++) {
		struct dir_user *u = &m->users[i - 1];
		struct dir_group *g = new_group(m);
		u->name = fmt("u%05ld", i);
		u->uid = u->gid = (uint32_t)(100000 + i);
		u->gecos = fmt("User %ld", i);
		u->home = fmt("/home/u%05ld", i);
		u->shell = xstrdup("/bin/bash");
		u->iam_name = fmt("User%05ld", i);
		u->iam_id = fmt("AIDA%017ld", i);
		u->iam_arn = fmt("arn:aws:iam::123456789012:user/User%05ld", i);
		g->name = xstrdup(u->name);
		g->gid = u->gid;
		g->iam_name = xstrdup(u->iam_name);
		g->iam_id = xstrdup(u->iam_id);
		g->iam_arn = xstrdup(u->iam_arn);
		g->user_private = true;
	}
	if (ngroups == 0)
		return;
	for (i = 0; i < nusers; i++) {
		long pick[3] = {i % ngroups, (i * 7 + 3) % ngroups, (i * 13 + 5) % ngroups};
		for (j = 0; j < 3; j++) {
			bool dup = false;
			for (long k = 0; k < j; k++)
				dup |= pick[k] == pick[j];
			if (!dup)
				add_member(m, (size_t)pick[j], (size_t)i);
		}
	}
}

static int write_files(const struct dir_model *m, const char *passwd, const char *group)
{
	FILE *p = fopen(passwd, "w"), *g = fopen(group, "w");
	size_t i, j;

	if (!p || !g) {
		perror("mksnap: open");
		return -1;
	}
	for (i = 0; i < m->nusers; i++) {
		const struct dir_user *u = &m->users[i];
		fprintf(p, "%s:x:%u:%u:%s:%s:%s\n", u->name, u->uid, u->gid, u->gecos, u->home,
			u->shell);
	}
	for (i = 0; i < m->ngroups; i++) {
		const struct dir_group *gr = &m->groups[i];
		fprintf(g, "%s:x:%u:", gr->name, gr->gid);
		for (j = 0; j < gr->nmembers; j++)
			fprintf(g, "%s%s", j ? "," : "", m->users[gr->member_idx[j]].name);
		fputc('\n', g);
	}
	return (fclose(p) | fclose(g)) ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct dir_model m = {0};
	const char *dir;
	uint64_t gen;
	int r;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "--generate") == 0 && (argc == 5 || argc == 7)) {
		long nu = strtol(argv[2], NULL, 10), ng = strtol(argv[3], NULL, 10);
		if (nu < 0 || ng < 0 || nu > 1000000 || ng > 100000) {
			usage(stderr);
			return 2;
		}
		generate(&m, nu, ng);
		dir = argv[4];
		if (argc == 7 && write_files(&m, argv[5], argv[6]) < 0)
			return 1;
	} else if (argc == 3) {
		FILE *f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
		if (!f) {
			perror(argv[1]);
			return 1;
		}
		if (parse_desc(f, &m) < 0)
			return 1;
		if (f != stdin)
			fclose(f);
		dir = argv[2];
	} else {
		usage(stderr);
		return 2;
	}
	r = snapshot_write(dir, &m, &gen);
	dirmodel_free(&m);
	if (r < 0) {
		fprintf(stderr, "mksnap: writing %s/directory: %s\n", dir, strerror(-r));
		return 1;
	}
	printf("generation %llu\n", (unsigned long long)gen);
	return 0;
}
