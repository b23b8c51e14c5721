/* Copying snapshot entries into the caller's struct passwd / struct group buffer. */
#include "nss_iam.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

struct outbuf {
	char *p;
	size_t left;
};

/* Copy s. A ':' or newline (or ',' in names, which split member lists) would
 * forge fields in passwd/group output; the writer never stores them, so they
 * mark a hostile file. strcspn + memcpy: SIMD in glibc, cheaper than a byte loop. */
#define FIELD_REJECT ":\n"
#define NAME_REJECT ":\n,"

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

/* uid/gid 0 never come from IAM: an entry claiming them is damage, not root. */
int nss_iam_fill_passwd(const struct snap_user *u, struct passwd *pw, char *buf, size_t len)
{
	struct outbuf b = {buf, len};
	int r;

	if (u->uid == 0 || u->gid == 0)
		return -EBADMSG;
	r = put_str(&b, u->name, &pw->pw_name, NAME_REJECT);
	r = r ?: put_str(&b, "*", &pw->pw_passwd, FIELD_REJECT);
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

	if (g->gid == 0)
		return -EBADMSG;
	/* member pointer array first (aligned), then the strings */
	if (len < pad || (len - pad) / sizeof(char *) < (size_t)g->nmembers + 1)
		return -ERANGE;
	mem = (char **)(void *)(buf + pad);
	b.p = buf + pad + ((size_t)g->nmembers + 1) * sizeof(char *);
	b.left = len - pad - ((size_t)g->nmembers + 1) * sizeof(char *);
	r = put_str(&b, g->name, &gr->gr_name, NAME_REJECT);
	r = r ?: put_str(&b, "*", &gr->gr_passwd, FIELD_REJECT);
	for (i = 0; r == 0 && i < g->nmembers; i++) {
		const char *name = snap_group_member_name(s, g, i);
		r = name ? put_str(&b, name, &mem[i], NAME_REJECT) : -EBADMSG;
	}
	if (r < 0)
		return r;
	mem[g->nmembers] = NULL;
	gr->gr_mem = mem;
	gr->gr_gid = g->gid;
	return 0;
}
