/* initgroups: the supplementary gids of one user, appended to glibc's array. */
#include "nss_iam.h"

#include <errno.h>
#include <stdlib.h>

/* Append gid unless present; grow like glibc's own modules (double, capped at
 * limit). 0, 1 (limit reached: stop quietly) or -ENOMEM. */
static int add_gid(gid_t gid, long int *start, long int *size, gid_t **groupsp, long int limit)
{
	long int i;

	for (i = 0; i < *start; i++)
		if ((*groupsp)[i] == gid)
			return 0;
	if (*start == *size) {
		long int newsize;
		gid_t *ng;
		if (limit > 0 && *size >= limit)
			return 1;
		newsize = limit > 0 ? (2 * *size < limit ? 2 * *size : limit) : 2 * *size;
		if (newsize <= *size)
			newsize = *size + 1;
		ng = realloc(*groupsp, (size_t)newsize * sizeof(*ng));
		if (!ng)
			return -ENOMEM;
		*groupsp = ng;
		*size = newsize;
	}
	(*groupsp)[(*start)++] = gid;
	return 0;
}

enum nss_status _nss_iam_initgroups_dyn(const char *user, gid_t group, long int *start,
					long int *size, gid_t **groupsp, long int limit,
					int *errnop)
{
	const struct snap *s = nss_iam_acquire();
	struct snap_user u;
	struct snap_group g;
	uint32_t i;
	int r;

	if (!s)
		return nss_iam_unavailable(errnop);
	r = snap_user_by_name(s, user, &u);
	for (i = 0; r == 0 && i < u.ngroups; i++) {
		int a;
		/* the same id rule as getgrgid's answer (nss_iam_fill.c) */
		if (snap_user_group_at(s, &u, i, &g) < 0 || g.gid == 0 || g.gid == group ||
		    g.gid > IAM_ID_CEILING || (!g.merged && g.gid < IAM_ID_FLOOR))
			continue;
		a = add_gid(g.gid, start, size, groupsp, limit);
		if (a == 1)
			break;
		if (a < 0) {
			nss_iam_release();
			*errnop = ENOMEM;
			return NSS_STATUS_TRYAGAIN;
		}
	}
	nss_iam_release();
	return nss_iam_status(r, errnop);
}
