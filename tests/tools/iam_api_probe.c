/*
 * Test driver for common/iam/iam_api.h: calls one typed IAM function against the
 * configured endpoint and prints what it returned, one record a line, so the
 * integration tests can compare it with what the AWS CLI seeded.
 *
 *   iam_api_probe --config FILE [--page-size N] [--calls] COMMAND [ARGS]
 *   COMMAND: gaad | directory | users | groups | get-group G | get-user U |
 *            list-keys U | get-key U ID | list-mfa U | create-vmfa NAME |
 *            enable-mfa U SERIAL CODE1 CODE2
 * On failure prints "error rc=N code=CODE" and exits 1. Test-only: create-vmfa
 * prints the seed, which a real tool never does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "config/config.h"
#include "iam/iam_api.h"
#include "base/wipe.h"

static void print_user(const struct iam_user *u)
{
	size_t i;

	printf("user %s %s %s %s %lld groups=", u->name, u->id, u->arn, u->path,
	       (long long)u->created);
	for (i = 0; i < u->ngroups; i++)
		printf("%s%s", i ? "," : "", u->groups[i]);
	printf(" tags=");
	for (i = 0; i < u->ntags; i++)
		printf("%s%s=%s", i ? ";" : "", u->tags[i].key, u->tags[i].value);
	printf("\n");
}

static void print_group(const struct iam_group *g)
{
	printf("group %s %s %s %s %lld\n", g->name, g->id, g->arn, g->path, (long long)g->created);
}

static int fail(int rc, const struct aws_error *err)
{
	printf("error rc=%d code=%s message=%s\n", rc, err->code, err->message);
	return 1;
}

static int run(struct aws_client *c, unsigned page_size, int argc, char **argv, bool calls)
{
	struct aws_error err;
	const char *cmd = argv[0];
	size_t i, n;
	int rc;

	memset(&err, 0, sizeof(err));
	if (strcmp(cmd, "gaad") == 0 || strcmp(cmd, "directory") == 0) {
		struct iam_directory d;
		rc = cmd[0] == 'g' ? iam_get_account_authorization_details(c, page_size, &d, &err)
				   : iam_list_directory(c, page_size, &d, &err);
		if (rc < 0)
			return fail(rc, &err);
		for (i = 0; i < d.nusers; i++)
			print_user(&d.users[i]);
		for (i = 0; i < d.ngroups; i++)
			print_group(&d.groups[i]);
		if (calls)
			printf("calls %u\n", d.calls);
		iam_directory_free(&d);
	} else if (strcmp(cmd, "users") == 0) {
		struct iam_user *u;
		if ((rc = iam_list_users(c, page_size, &u, &n, &err)) < 0)
			return fail(rc, &err);
		for (i = 0; i < n; i++) {
			print_user(&u[i]);
			iam_user_free(&u[i]);
		}
		free(u);
	} else if (strcmp(cmd, "groups") == 0) {
		struct iam_group *g;
		if ((rc = iam_list_groups(c, page_size, &g, &n, &err)) < 0)
			return fail(rc, &err);
		for (i = 0; i < n; i++) {
			print_group(&g[i]);
			iam_group_free(&g[i]);
		}
		free(g);
	} else if (strcmp(cmd, "get-group") == 0 && argc == 2) {
		struct iam_group g;
		char **m;
		if ((rc = iam_get_group(c, argv[1], page_size, &g, &m, &n, &err)) < 0)
			return fail(rc, &err);
		print_group(&g);
		for (i = 0; i < n; i++) {
			printf("member %s\n", m[i]);
			free(m[i]);
		}
		free(m);
		iam_group_free(&g);
	} else if (strcmp(cmd, "get-user") == 0 && argc == 2) {
		struct iam_user u;
		if ((rc = iam_get_user(c, argv[1], &u, &err)) < 0)
			return fail(rc, &err);
		print_user(&u);
		iam_user_free(&u);
	} else if (strcmp(cmd, "list-keys") == 0 && argc == 2) {
		struct iam_ssh_key *k;
		if ((rc = iam_list_ssh_public_keys(c, argv[1], &k, &n, &err)) < 0)
			return fail(rc, &err);
		for (i = 0; i < n; i++)
			printf("key %s %s %lld\n", k[i].id, k[i].status, (long long)k[i].uploaded);
		iam_ssh_keys_free(k, n);
	} else if (strcmp(cmd, "get-key") == 0 && argc == 3) {
		struct iam_ssh_key k;
		if ((rc = iam_get_ssh_public_key(c, argv[1], argv[2], &k, &err)) < 0)
			return fail(rc, &err);
		printf("key %s %s %s %lld\nbody %s\n", k.id, k.status, k.fingerprint,
		       (long long)k.uploaded, k.body);
		free(k.id);
		free(k.status);
		free(k.fingerprint);
		free(k.body);
	} else if (strcmp(cmd, "list-mfa") == 0 && argc == 2) {
		struct iam_mfa_device *d;
		if ((rc = iam_list_mfa_devices(c, argv[1], &d, &n, &err)) < 0)
			return fail(rc, &err);
		for (i = 0; i < n; i++)
			printf("mfa %s %lld\n", d[i].serial, (long long)d[i].enabled);
		iam_mfa_devices_free(d, n);
	} else if (strcmp(cmd, "create-vmfa") == 0 && argc == 2) {
		char *serial, *seed;
		if ((rc = iam_create_virtual_mfa_device(c, argv[1], &serial, &seed, &err)) < 0)
			return fail(rc, &err);
		printf("serial %s\nseed %s\n", serial, seed);
		wipe_bytes(seed, strlen(seed));
		free(seed);
		free(serial);
	} else if (strcmp(cmd, "enable-mfa") == 0 && argc == 5) {
		if ((rc = iam_enable_mfa_device(c, argv[1], argv[2], argv[3], argv[4], &err)) < 0)
			return fail(rc, &err);
		printf("enabled\n");
	} else {
		fprintf(stderr, "iam_api_probe: unknown command or wrong arguments: %s\n", cmd);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct iam_config cfg;
	struct config_error cerr;
	struct aws_client *c = NULL;
	struct aws_error err;
	const char *config = NULL;
	long page_size = -1;
	bool calls = false;
	int i = 1, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config = argv[++i];
		else if (strcmp(argv[i], "--page-size") == 0 && i + 1 < argc)
			page_size = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--calls") == 0)
			calls = true;
		else
			break;
	}
	if (!config || i >= argc) {
		fprintf(stderr, "usage: iam_api_probe --config FILE [--page-size N] [--calls] "
				"COMMAND [ARGS]\n");
		return 2;
	}
	if (config_defaults(&cfg) < 0)
		return 1;
	if (config_load(config, &cfg, &cerr) < 0) {
		fprintf(stderr, "iam_api_probe: %s:%d: %s\n", cerr.file, cerr.line, cerr.err.msg);
		config_free(&cfg);
		return 1;
	}
	memset(&err, 0, sizeof(err));
	rc = aws_client_new(&cfg, 0, &c, &err);
	if (rc < 0) {
		fail(rc, &err);
		config_free(&cfg);
		return 1;
	}
	rc =
	    run(c, page_size >= 0 ? (unsigned)page_size : cfg.page_size, argc - i, argv + i, calls);
	if (calls)
		printf("requests %u\n", aws_client_stats(c)->requests);
	aws_client_free(c);
	config_free(&cfg);
	return rc;
}
