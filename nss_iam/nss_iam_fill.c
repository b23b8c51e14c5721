/* Copying snapshot entries into the caller's struct passwd / struct group buffer. */
#include "nss_iam.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

struct outbuf {
	char *p;
	size_t left;
};

/* Copy s. A ':' or newline would forge fields in passwd/group output (and ','
 * in names would split member lists); the writer never stores them, so they
 * mark a hostile file. strcspn + memcpy are SIMD in glibc: for longer fields. */
#define FIELD_REJECT ":\n"

static int put_str(struct outbuf *b, const char *s, char **dst, const char *reject)
{
	size_t n = strcspn(s, reject);

	if (s[n] != '\0')
		return -EBADMSG;
	if (++n > b->left)
		return -ERANGE;
	memcpy(b->p, s, n);
	*dst = b->p;
	b->p += n;
	b->left -= n;
	return 0;
}

/* Names are short and copied often (group member lists): one fused loop that
 * copies and stops at NUL or at a character that would split the list. */
static const unsigned char name_stop[256] = {[0] = 1, [':'] = 1, ['\n'] = 1, [','] = 1};

static int put_name(struct outbuf *b, const char *s, char **dst)
{
	char *d = b->p, *end = b->p + b->left;

	for (;;) {
		unsigned char c = (unsigned char)*s++;
		if (d == end)
			return -ERANGE;
		*d++ = (char)c;
		if (name_stop[c]) {
			if (c != 0)
				return -EBADMSG;
			break;
		}
	}
	*dst = b->p;
	b->left -= (size_t)(d - b->p);
	b->p = d;
	return 0;
}

/*
 * IAM ids live at or above IAM_ID_FLOOR and below 2^31 (decision 5); the
 * install step enforces the configured ranges. An entry below the floor would
 * be a system account or group (0 root, 27 sudo, 42 shadow): damage, not an
 * answer. The one exception is a group merged into a local group
 * (merge_groups), which install checked against /etc/group.
 */
static bool iam_id_ok(uint32_t id)
{
	return id >= IAM_ID_FLOOR && id <= IAM_ID_CEILING;
}

/* uid/gid 0 never come from IAM: an entry claiming them is damage, not root. */
int nss_iam_fill_passwd(const struct snap_user *u, struct passwd *pw, char *buf, size_t len)
{
	struct outbuf b = {buf, len};
	int r;

	if (!iam_id_ok(u->uid) || !iam_id_ok(u->gid))
		return -EBADMSG;
	r = put_name(&b, u->name, &pw->pw_name);
	r = r ?: put_name(&b, "*", &pw->pw_passwd);
	r = r ?: put_str(&b, u->gecos, &pw->pw_gecos, FIELD_REJECT);
	r = r ?: put_str(&b, u->home, &pw->pw_dir, FIELD_REJECT);
	r = r ?: put_str(&b, u->shell, &pw->pw_shell, FIELD_REJECT);
	if (r < 0)
		return r;
	pw->pw_uid = u->uid;
	pw->pw_gid = u->gid;
	return 0;
}

int nss_iam_fill_group(const struct snap *s, const struct snap_group *g, struct group *gr,
		       char *buf, size_t len)
{
	struct outbuf b = {buf, len};
	size_t pad = (sizeof(char *) - ((uintptr_t)buf % sizeof(char *))) % sizeof(char *);
	char **mem;
	uint32_t i;
	int r;

	if (g->gid == 0 || g->gid > IAM_ID_CEILING || (!g->merged && !iam_id_ok(g->gid)))
		return -EBADMSG;
	/* member pointer array first (aligned), then the strings */
	if (len < pad || (len - pad) / sizeof(char *) < (size_t)g->nmembers + 1)
		return -ERANGE;
	mem = (char **)(void *)(buf + pad);
	b.p = buf + pad + ((size_t)g->nmembers + 1) * sizeof(char *);
	b.left = len - pad - ((size_t)g->nmembers + 1) * sizeof(char *);
	r = put_name(&b, g->name, &gr->gr_name);
	r = r ?: put_name(&b, "*", &gr->gr_passwd);
	/* the pointer array first holds pointers into the mapping, then each is
	 * replaced by its copy in the buffer */
	if (r == 0 &&
	    snap_group_member_names(s, g, (const char **)mem, g->nmembers) != (int)g->nmembers)
		r = -EBADMSG;
	for (i = 0; r == 0 && i < g->nmembers; i++)
		r = put_name(&b, mem[i], &mem[i]);
	if (r < 0)
		return r;
	mem[g->nmembers] = NULL;
	gr->gr_mem = mem;
	gr->gr_gid = g->gid;
	return 0;
}
