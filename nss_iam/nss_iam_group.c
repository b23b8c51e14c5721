/* group database: lookups by name and gid (user private groups included), enumeration. */
#include "nss_iam.h"

#include <errno.h>

/* enumeration cursor, guarded by the state mutex (nss_iam_acquire) */
static uint32_t gr_cursor;

enum nss_status _nss_iam_getgrnam_r(const char *name, struct group *gr, char *buf, size_t len,
				    int *errnop)
{
	const struct snap *s = nss_iam_acquire();
	struct snap_group g;
	int r;

	if (!s) {
		nss_iam_release();
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	}
	r = snap_group_by_name(s, name, &g);
	r = r ?: nss_iam_fill_group(s, &g, gr, buf, len);
	nss_iam_release();
	return nss_iam_status(r, errnop);
}

enum nss_status _nss_iam_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len, int *errnop)
{
	const struct snap *s = nss_iam_acquire();
	struct snap_group g;
	int r;

	if (!s) {
		nss_iam_release();
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	}
	r = snap_group_by_gid(s, (uint32_t)gid, &g);
	r = r ?: nss_iam_fill_group(s, &g, gr, buf, len);
	nss_iam_release();
	return nss_iam_status(r, errnop);
}

enum nss_status _nss_iam_setgrent(int stayopen)
{
	const struct snap *s = nss_iam_acquire();

	(void)stayopen;
	gr_cursor = 0;
	nss_iam_release();
	return s ? NSS_STATUS_SUCCESS : NSS_STATUS_UNAVAIL;
}

enum nss_status _nss_iam_getgrent_r(struct group *gr, char *buf, size_t len, int *errnop)
{
	const struct snap *s = nss_iam_acquire();
	struct snap_group g;
	int r = -ENOENT;

	if (!s) {
		nss_iam_release();
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	}
	while (r != 0 && r != -ERANGE) {
		r = snap_group_at(s, gr_cursor, &g);
		if (r == -ENOENT)
			break;
		r = r ?: nss_iam_fill_group(s, &g, gr, buf, len);
		if (r != -ERANGE)
			gr_cursor++;
	}
	nss_iam_release();
	return nss_iam_status(r, errnop);
}

enum nss_status _nss_iam_endgrent(void)
{
	nss_iam_acquire();
	gr_cursor = 0;
	nss_iam_release();
	return NSS_STATUS_SUCCESS;
}
