/* passwd database: lookups by name and uid, and enumeration. */
#include "nss_iam.h"

#include <errno.h>

/* enumeration cursor, guarded by the state mutex (nss_iam_acquire) */
static uint32_t pw_cursor;

enum nss_status _nss_iam_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
				    int *errnop)
{
	const struct snap *s = nss_iam_acquire();
	struct snap_user u;
	int r;

	if (!s) {
		nss_iam_release();
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	}
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

	if (!s) {
		nss_iam_release();
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	}
	r = snap_user_by_uid(s, (uint32_t)uid, &u);
	r = r ?: nss_iam_fill_passwd(&u, pw, buf, len);
	nss_iam_release();
	return nss_iam_status(r, errnop);
}

enum nss_status _nss_iam_setpwent(int stayopen)
{
	const struct snap *s = nss_iam_acquire();

	(void)stayopen;
	pw_cursor = 0;
	nss_iam_release();
	return s ? NSS_STATUS_SUCCESS : NSS_STATUS_UNAVAIL;
}

enum nss_status _nss_iam_getpwent_r(struct passwd *pw, char *buf, size_t len, int *errnop)
{
	const struct snap *s = nss_iam_acquire();
	struct snap_user u;
	int r = -ENOENT;

	if (!s) {
		nss_iam_release();
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	}
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
	nss_iam_acquire();
	pw_cursor = 0;
	nss_iam_release();
	return NSS_STATUS_SUCCESS;
}
