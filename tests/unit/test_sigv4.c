/*
 * SigV4 against AWS's test suite (tests/vectors/aws4_testsuite, or
 * $SIGV4_VECTORS): every case's .req is parsed at run time and our canonical
 * request, string to sign and Authorization header are compared byte for byte
 * with .creq, .sts and .authz. Plus the IAM vector from the vectors README.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Paths here are bounded by PATH_MAX and checked by access(); truncation only fails a lookup. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include "aws/sigv4.h"
#include "base/percent.h"
#include "testutil.h"

#define MAX_CASES 128
#define MAX_HDRS 32

static const struct sigv4_params SUITE = {
    .access_key = "AKIDEXAMPLE",
    .secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    .region = "us-east-1",
    .service = "service",
    .amz_date = "20150830T123600Z",
};

/* Cases the vectors README lists as ones the IAM query API never produces. */
static const char *const NOT_APPLICABLE[][2] = {
    {"get-vanilla-query-order-key", "repeated query keys; IAM query API never repeats a key"},
    {"get-vanilla-query-order-key-case", "repeated query keys; IAM query API never repeats a key"},
    {"get-vanilla-query-order-value", "repeated query keys; IAM query API never repeats a key"},
    {"get-space", "raw space in the request line; IAM query API never sends one"},
};

struct vcase {
	char dir[PATH_MAX];
	char name[128];
	const char *skip_reason;
};

static struct vcase cases[MAX_CASES];
static size_t ncases;
static char vectors_dir[PATH_MAX];

static char *slurp(const char *dir, const char *name, const char *ext)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	return tu_try_read_file(path, NULL);
}

struct parsed_req {
	char *buf; /* owns all strings below */
	char *method, *path, *query;
	struct sigv4_header h[MAX_HDRS];
	char *hv[MAX_HDRS]; /* malloc'd values (continuations joined) */
	size_t nh;
	const char *body;
	size_t body_len;
};

static void free_req(struct parsed_req *p)
{
	size_t i;

	for (i = 0; i < p->nh; i++)
		free(p->hv[i]);
	free(p->buf);
}

static int add_header(struct parsed_req *p, const char *name, const char *value)
{
	if (p->nh >= MAX_HDRS)
		return -1;
	p->hv[p->nh] = strdup(value);
	p->h[p->nh].name = name;
	p->h[p->nh].value = p->hv[p->nh];
	p->nh++;
	return 0;
}

/* Parse a raw .req: request line, headers (folded lines continue), blank line, body. */
static int parse_req(char *text, struct parsed_req *p)
{
	char *line, *next, *sp1, *sp2;

	memset(p, 0, sizeof(*p));
	p->buf = text;
	next = strchr(text, '\n');
	if (!next)
		return -1;
	*next++ = '\0';
	line = text;
	sp1 = strchr(line, ' ');
	sp2 = strrchr(line, ' ');
	if (!sp1 || sp1 == sp2)
		return -1;
	*sp1 = '\0';
	*sp2 = '\0';
	p->method = line;
	p->path = sp1 + 1;
	p->query = strchr(p->path, '?');
	if (p->query)
		*p->query++ = '\0';
	while (next && *next) {
		line = next;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '\0') { /* blank line: the rest is the body */
			p->body = next ? next : "";
			p->body_len = strlen(p->body);
			return 0;
		}
		if ((*line == ' ' || *line == '\t') && p->nh > 0) {
			char *old = p->hv[p->nh - 1];
			size_t n = strlen(old) + strlen(line) + 2;
			char *v = malloc(n);
			if (!v)
				return -1;
			snprintf(v, n, "%s\n%s", old, line);
			free(old);
			p->hv[p->nh - 1] = v;
			p->h[p->nh - 1].value = v;
			continue;
		}
		char *colon = strchr(line, ':');
		if (!colon)
			return -1;
		*colon = '\0';
		if (add_header(p, line, colon + 1) < 0)
			return -1;
	}
	p->body = "";
	return 0;
}

static int has_header(const struct parsed_req *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nh; i++)
		if (strcasecmp(p->h[i].name, name) == 0)
			return 1;
	return 0;
}

/* The signer adds the session token; the suite shows it in .sreq only for some cases. */
static char *token_from_sreq(const char *dir, const char *name)
{
	char *s = slurp(dir, name, "sreq"), *t, *e, *r = NULL;
	const char *key = "\nX-Amz-Security-Token:";

	if (!s)
		return NULL;
	t = strstr(s, key);
	if (t) {
		t += strlen(key);
		e = strchr(t, '\n');
		r = e ? strndup(t, (size_t)(e - t)) : strdup(t);
	}
	free(s);
	return r;
}

static void assert_same(const char *what, const char *name, const char *want, const char *got)
{
	if (!want || !got || strcmp(want, got) != 0) {
		print_error("%s: %s differs\n--- expected\n%s\n--- got\n%s\n", name, what,
			    want ? want : "(missing)", got ? got : "(null)");
		fail();
	}
}

static void run_case(void **state)
{
	const struct vcase *vc = *state;
	struct parsed_req req;
	struct sigv4_request r;
	char *text, *creq = NULL, *sh = NULL, *sts = NULL, *authz = NULL, *token;
	char *want_creq, *want_sts, *want_authz;

	text = slurp(vc->dir, vc->name, "req");
	assert_non_null(text);
	assert_int_equal(parse_req(text, &req), 0);
	token = NULL;
	/* get-vanilla-with-session-token shows its token only in .sreq: there the signer
	 * adds it as a signed header, as aws.c does. (post-sts-header-after appends the
	 * token after signing, so its .req is signed as it stands.) */
	if (strcmp(vc->name, "get-vanilla-with-session-token") == 0 &&
	    !has_header(&req, "X-Amz-Security-Token")) {
		token = token_from_sreq(vc->dir, vc->name);
		if (token)
			assert_int_equal(add_header(&req, "X-Amz-Security-Token", token), 0);
	}
	r = (struct sigv4_request){.method = req.method,
				   .path = req.path,
				   .query = req.query,
				   .headers = req.h,
				   .nheaders = req.nh,
				   .payload = req.body,
				   .payload_len = req.body_len};
	want_creq = slurp(vc->dir, vc->name, "creq");
	want_sts = slurp(vc->dir, vc->name, "sts");
	want_authz = slurp(vc->dir, vc->name, "authz");
	assert_int_equal(sigv4_canonical_request(&r, &creq, &sh), 0);
	assert_same("canonical request", vc->name, want_creq, creq);
	assert_int_equal(sigv4_string_to_sign(&SUITE, creq, &sts), 0);
	assert_same("string to sign", vc->name, want_sts, sts);
	assert_int_equal(sigv4_authorization(&r, &SUITE, &authz), 0);
	assert_same("authorization", vc->name, want_authz, authz);
	free(creq);
	free(sh);
	free(sts);
	free(authz);
	free(want_creq);
	free(want_sts);
	free(want_authz);
	free(token);
	free_req(&req);
}

static void collect(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char sub[PATH_MAX], req[PATH_MAX];
	size_t i;

	if (!d || depth > 3) {
		if (d)
			closedir(d);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >= sizeof(sub))
			continue;
		snprintf(req, sizeof(req), "%s/%s.req", sub, e->d_name);
		if (access(req, R_OK) == 0 && ncases < MAX_CASES) {
			struct vcase *vc = &cases[ncases++];
			snprintf(vc->dir, sizeof(vc->dir), "%s", sub);
			snprintf(vc->name, sizeof(vc->name), "%s", e->d_name);
			for (i = 0; i < sizeof(NOT_APPLICABLE) / sizeof(NOT_APPLICABLE[0]); i++)
				if (strcmp(vc->name, NOT_APPLICABLE[i][0]) == 0)
					vc->skip_reason = NOT_APPLICABLE[i][1];
		} else {
			collect(sub, depth + 1);
		}
	}
	closedir(d);
}

static int cmp_case(const void *a, const void *b)
{
	return strcmp(((const struct vcase *)a)->dir, ((const struct vcase *)b)->dir);
}

#define VECTORS_REL "tests/vectors/aws4_testsuite"

static int find_vectors(void)
{
	char exe[PATH_MAX], cand[PATH_MAX];
	const char *env = getenv("SIGV4_VECTORS"), *top = getenv("TOP");
	ssize_t n;
	char *slash;
	int i;

	if (env) {
		snprintf(vectors_dir, sizeof(vectors_dir), "%s", env);
		return access(vectors_dir, R_OK) == 0 ? 0 : -1;
	}
	if (top) {
		snprintf(cand, sizeof(cand), "%s/" VECTORS_REL, top);
		if (access(cand, R_OK) == 0)
			goto found;
	}
	/* The binary lives in TOP/build/tests/ (or build-san): walk up from it. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (i = 0; i < 5; i++) {
			slash = strrchr(exe, '/');
			if (!slash)
				break;
			*slash = '\0';
			snprintf(cand, sizeof(cand), "%s/" VECTORS_REL, exe);
			if (access(cand, R_OK) == 0)
				goto found;
		}
	}
	return -1;
found:
	snprintf(vectors_dir, sizeof(vectors_dir), "%s", cand);
	return 0;
}

/* The IAM-shaped vector from tests/vectors/README.md. */
static void test_iam_vector(void **state)
{
	const struct sigv4_params p = {
	    .access_key = "AKIDEXAMPLE",
	    .secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	    .region = "us-east-1",
	    .service = "iam",
	    .amz_date = "20150830T123600Z",
	};
	const struct sigv4_header h[] = {
	    {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
	    {"Host", "iam.amazonaws.com"},
	    {"X-Amz-Date", "20150830T123600Z"},
	};
	const struct sigv4_request r = {
	    .method = "GET",
	    .path = "/",
	    .query = "Action=ListUsers&Version=2010-05-08",
	    .headers = h,
	    .nheaders = 3,
	};
	uint8_t key[32];
	char keyhex[65], sig[65];
	char *creq, *sh, *sts, *authz;
	size_t i;

	(void)state;
	assert_int_equal(sigv4_signing_key(&p, key), 0);
	for (i = 0; i < 32; i++)
		snprintf(keyhex + 2 * i, 3, "%02x", key[i]);
	assert_string_equal(keyhex,
			    "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
	assert_int_equal(sigv4_canonical_request(&r, &creq, &sh), 0);
	assert_string_equal(sh, "content-type;host;x-amz-date");
	assert_int_equal(sigv4_string_to_sign(&p, creq, &sts), 0);
	assert_int_equal(sigv4_signature(&p, sts, sig), 0);
	assert_string_equal(sig,
			    "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
	assert_int_equal(sigv4_authorization(&r, &p, &authz), 0);
	assert_string_equal(authz, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/"
				   "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
				   "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b"
				   "5924a6f2b5d7");
	free(creq);
	free(sh);
	free(sts);
	free(authz);
}

static void test_helpers(void **state)
{
	char d[17], h[65], dec[16];
	char *e;
	size_t n;

	(void)state;
	sigv4_amz_date(1440938160LL, d);
	assert_string_equal(d, "20150830T123600Z");
	sigv4_sha256_hex("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	e = percent_encode_dup("a b/c+~=\xe1\x88\xb4", 11, 0);
	assert_string_equal(e, "a%20b%2Fc%2B~%3D%E1%88%B4");
	free(e);
	e = percent_encode_dup("/a b/", 5, PERCENT_KEEP_SLASH);
	assert_string_equal(e, "/a%20b/");
	free(e);
	/* decoding: either case; invalid and cut-off escapes stay literal */
	n = percent_decode("%e1%88%B4%zz%4", 14, dec);
	assert_int_equal(n, 8);
	assert_memory_equal(dec, "\xe1\x88\xb4%zz%4", 8);
}

/* Without the vectors the suite cannot pass: that is a failure, not a skip. */
static void vectors_missing(void **state)
{
	(void)state;
	print_error("tests/vectors/aws4_testsuite not found: set SIGV4_VECTORS to its path\n");
	fail();
}

int main(void)
{
	struct CMUnitTest tests[MAX_CASES + 3];
	size_t n = 0, i;

	tests[n++] = (struct CMUnitTest){"iam_vector", test_iam_vector, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"helpers", test_helpers, NULL, NULL, NULL};
	if (find_vectors() < 0) {
		tests[n++] =
		    (struct CMUnitTest){"aws4_testsuite", vectors_missing, NULL, NULL, NULL};
	} else {
		collect(vectors_dir, 0);
		qsort(cases, ncases, sizeof(cases[0]), cmp_case);
		if (ncases < 20)
			tests[n++] = (struct CMUnitTest){"aws4_testsuite", vectors_missing, NULL,
							 NULL, NULL};
		for (i = 0; i < ncases; i++) {
			/* cmocka 1.1 prints skips as "not ok": report them as TAP skips here. */
			if (cases[i].skip_reason) {
				printf("ok - %s # SKIP %s\n", cases[i].name, cases[i].skip_reason);
				continue;
			}
			tests[n++] =
			    (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, &cases[i]};
		}
		fflush(stdout);
	}
	return _cmocka_run_group_tests("sigv4", tests, n, NULL, NULL);
}
