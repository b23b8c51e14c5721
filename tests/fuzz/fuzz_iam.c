/*
 * The IAM answer parsers (GAAD, ListUsers, ListGroups, GetGroup, GetUser,
 * ListSSHPublicKeys, GetSSHPublicKey, ListMFADevices, CreateVirtualMFADevice):
 * whatever a server sends, what a parser hands back has passed the same
 * validators the rest of the code relies on, and a refusal says why. The first
 * byte picks the parser, the rest is the answer body.
 */
#include <string.h>

#include "base/iam_id.h"
#include "fuzz.h"
#include "iam/iam_parse.h"

#define USER "alice"
#define KEY_ID "APKAEIBAERJR2EXAMPLE"

static void check_user(const struct iam_user *u)
{
	FUZZ_ASSERT(iam_valid_user_name(u->name) && iam_id_valid(u->id) && u->arn);
	for (size_t i = 0; i < u->ngroups; i++)
		FUZZ_ASSERT(iam_valid_group_name(u->groups[i]));
	FUZZ_ASSERT(u->ntags <= IAM_TAGS_PER_USER_MAX && u->ngroups <= IAM_GROUPS_PER_USER_MAX);
	for (size_t i = 0; i < u->ntags; i++)
		FUZZ_ASSERT(u->tags[i].key && u->tags[i].value);
}

static void check_group(const struct iam_group *g)
{
	FUZZ_ASSERT(iam_valid_group_name(g->name) && iam_id_valid(g->id) && g->arn);
}

static void check_key(const struct iam_ssh_key *k)
{
	FUZZ_ASSERT(iam_valid_ssh_key_id(k->id) && k->status);
	FUZZ_ASSERT(strcmp(k->status, "Active") == 0 || strcmp(k->status, "Inactive") == 0);
}

static void check_page(int r, const struct iam_page *pg, const struct aws_error *err)
{
	if (r < 0)
		FUZZ_ASSERT(err->message[0] != '\0');
	else
		FUZZ_ASSERT(!pg->marker || strlen(pg->marker) <= IAM_MARKER_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	struct aws_error err = {0};
	struct iam_page pg = {0};
	int r;

	if (size == 0)
		return 0;
	switch (data[0] % 9) {
	case 0: {
		struct iam_user_list u = {0};
		struct iam_group_list g = {0};

		r = iam_parse_gaad_page(body, len, &u, &g, &pg, &err);
		check_page(r, &pg, &err);
		for (size_t i = 0; r == 0 && i < u.n; i++)
			check_user(&u.v[i]);
		for (size_t i = 0; r == 0 && i < g.n; i++)
			check_group(&g.v[i]);
		iam_user_list_free(&u);
		iam_group_list_free(&g);
		break;
	}
	case 1: {
		struct iam_user_list u = {0};

		r = iam_parse_list_users_page(body, len, &u, &pg, &err);
		check_page(r, &pg, &err);
		for (size_t i = 0; r == 0 && i < u.n; i++)
			FUZZ_ASSERT(iam_valid_user_name(u.v[i].name) && iam_id_valid(u.v[i].id));
		iam_user_list_free(&u);
		break;
	}
	case 2: {
		struct iam_group_list g = {0};

		r = iam_parse_list_groups_page(body, len, &g, &pg, &err);
		check_page(r, &pg, &err);
		for (size_t i = 0; r == 0 && i < g.n; i++)
			check_group(&g.v[i]);
		iam_group_list_free(&g);
		break;
	}
	case 3: {
		struct iam_group g = {0};
		struct iam_name_list m = {0};

		r = iam_parse_get_group_page(body, len, &g, &m, &pg, &err);
		check_page(r, &pg, &err);
		if (r == 0) {
			check_group(&g);
			for (size_t i = 0; i < m.n; i++)
				FUZZ_ASSERT(iam_valid_user_name(m.v[i]));
		}
		iam_group_free(&g);
		iam_name_list_free(&m);
		break;
	}
	case 4: {
		struct iam_user u = {0};

		r = iam_parse_get_user(body, len, &u, &err);
		check_page(r, &pg, &err);
		if (r == 0)
			FUZZ_ASSERT(iam_valid_user_name(u.name) && iam_id_valid(u.id));
		iam_user_free(&u);
		break;
	}
	case 5: {
		struct iam_key_list k = {0};

		r = iam_parse_list_ssh_keys_page(body, len, USER, &k, &pg, &err);
		check_page(r, &pg, &err);
		for (size_t i = 0; r == 0 && i < k.n; i++)
			check_key(&k.v[i]);
		iam_key_list_free(&k);
		break;
	}
	case 6: {
		struct iam_ssh_key k = {0};

		r = iam_parse_get_ssh_key(body, len, USER, KEY_ID, &k, &err);
		check_page(r, &pg, &err);
		if (r == 0) {
			check_key(&k);
			FUZZ_ASSERT(strcmp(k.id, KEY_ID) == 0 && k.body);
			FUZZ_ASSERT(strlen(k.body) <= IAM_SSH_KEY_BODY_MAX);
		}
		iam_ssh_key_free(&k);
		break;
	}
	case 7: {
		struct iam_mfa_list m = {0};

		r = iam_parse_list_mfa_page(body, len, USER, &m, &pg, &err);
		check_page(r, &pg, &err);
		for (size_t i = 0; r == 0 && i < m.n; i++)
			FUZZ_ASSERT(iam_valid_mfa_serial(m.v[i].serial));
		iam_mfa_list_free(&m);
		break;
	}
	default: {
		char *serial = NULL, *seed = NULL;

		r = iam_parse_create_vmfa(body, len, &serial, &seed, &err);
		check_page(r, &pg, &err);
		if (r == 0) {
			FUZZ_ASSERT(iam_valid_mfa_serial(serial) && seed);
			FUZZ_ASSERT(strspn(seed, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=") ==
				    strlen(seed));
		}
		free(serial);
		if (seed)
			memset(seed, 0, strlen(seed));
		free(seed);
		break;
	}
	}
	iam_page_clear(&pg);
	return 0;
}
