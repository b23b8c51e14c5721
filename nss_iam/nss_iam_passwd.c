/* passwd database: lookups by name and uid, and enumeration. */
#include "nss_iam.h"

#include <errno.h>

/* enumeration state, guarded by the state mutex (nss_iam_acquire): the
 * snapshot being walked stays mapped until endpwent even if replaced */
static struct nss_iam_map *pw_map;
static uint32_t pw_cursor;

enum nss_status _nss_iam_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
				    int *errnop)
{
	const struct snap *s = nss_iam_acquire();
	struct snap_user u;
	int r;

	if (!s)
		return nss_iam_unavailable(errnop);
	r = snap_user_by_name(s, name, &u);
	r = r ?: nss_iam_fill_passwd(&u, pw, buf, len);
	nss_iam_release();
	return nss_iam_status(r, errnop);
}

enum nss_status _nss_iam_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
				    int *errnop)
{
	const struct snap *s = nss_iam_acquire();
	struct snap_user u;
	int r;

	if (!s)
		return nss_iam_unavailable(errnop);
	r = snap_user_by_uid(s, (uint32_t)uid, &u);
	r = r ?: nss_iam_fill_passwd(&u, pw, buf, len);
	nss_iam_release();
	return nss_iam_status(r, errnop);
}

enum nss_status _nss_iam_setpwent(int stayopen)
{
	enum nss_status st;

	(void)stayopen;
	nss_iam_lock();
	nss_iam_unpin(pw_map);
	pw_map = nss_iam_pin();
	pw_cursor = 0;
	st = pw_map ? NSS_STATUS_SUCCESS : NSS_STATUS_UNAVAIL;
	nss_iam_release();
	return st;
}

enum nss_status _nss_iam_getpwent_r(struct passwd *pw, char *buf, size_t len, int *errnop)
{
	const struct snap *s;
	struct snap_user u;
	int r = -ENOENT;

	nss_iam_lock();
	if (!pw_map) /* getpwent without setpwent */
		pw_map = nss_iam_pin();
	if (!pw_map) {
		nss_iam_release();
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	}
	s = pw_map->snap;
	/* damaged records are skipped; ERANGE leaves the cursor where it is so
	 * glibc can retry the same entry with a bigger buffer */
	while (r != 0 && r != -ERANGE) {
		r = snap_user_at(s, pw_cursor, &u);
		if (r == -ENOENT)
			break;
		r = r ?: nss_iam_fill_passwd(&u, pw, buf, len);
		if (r != -ERANGE)
			pw_cursor++;
	}
	nss_iam_release();
	return nss_iam_status(r, errnop);
}

enum nss_status _nss_iam_endpwent(void)
{
	nss_iam_lock();
	nss_iam_unpin(pw_map);
	pw_map = NULL;
	pw_cursor = 0;
	nss_iam_release();
	return NSS_STATUS_SUCCESS;
}
