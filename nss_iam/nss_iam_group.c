/* group database: lookups by name and gid (user private groups included), enumeration. */
#include "nss_iam.h"

#include <errno.h>

/* enumeration state, guarded by the state mutex (nss_iam_acquire): the
 * snapshot being walked stays mapped until endgrent even if replaced */
static struct nss_iam_map *gr_map;
static uint32_t gr_cursor;

enum nss_status _nss_iam_getgrnam_r(const char *name, struct group *gr, char *buf, size_t len,
				    int *errnop)
{
	const struct snap *s = nss_iam_acquire();
	struct snap_group g;
	int r;

	if (!s)
		return nss_iam_unavailable(errnop);
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

	if (!s)
		return nss_iam_unavailable(errnop);
	r = snap_group_by_gid(s, (uint32_t)gid, &g);
	r = r ?: nss_iam_fill_group(s, &g, gr, buf, len);
	nss_iam_release();
	return nss_iam_status(r, errnop);
}

enum nss_status _nss_iam_setgrent(int stayopen)
{
	enum nss_status st;

	(void)stayopen;
	nss_iam_lock();
	nss_iam_unpin(gr_map);
	gr_map = nss_iam_pin();
	gr_cursor = 0;
	st = gr_map ? NSS_STATUS_SUCCESS : NSS_STATUS_UNAVAIL;
	nss_iam_release();
	return st;
}

enum nss_status _nss_iam_getgrent_r(struct group *gr, char *buf, size_t len, int *errnop)
{
	const struct snap *s;
	struct snap_group g;
	int r = -ENOENT;

	nss_iam_lock();
	if (!gr_map) /* getgrent without setgrent */
		gr_map = nss_iam_pin();
	if (!gr_map) {
		nss_iam_release();
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	}
	s = gr_map->snap;
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
	nss_iam_lock();
	nss_iam_unpin(gr_map);
	gr_map = NULL;
	gr_cursor = 0;
	nss_iam_release();
	return NSS_STATUS_SUCCESS;
}
