/*
 * Internal interface of libnss_iam.so.2. The module answers from the snapshot
 * at IAM_DEFAULT_STATE_DIR/IAM_SNAPSHOT_NAME, mapped read-only and shared by all
 * threads of the process (the NSS ABI gives us no handle to hang it on). Every
 * lookup runs between nss_iam_acquire() and nss_iam_release(), which hold one
 * mutex, so the mapping cannot be replaced while an entry is being copied out.
 */
#ifndef NSS_IAM_H
#define NSS_IAM_H

#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stddef.h>
#include <sys/types.h>

#include "snapshot/snapshot_reader.h"

/* Lock and return the current snapshot (remapped if replaced); NULL: unavailable,
 * the lock is still held: always call nss_iam_release(). */
const struct snap *nss_iam_acquire(void);
void nss_iam_release(void);
/* Just the lock (no re-check): for an enumeration walking its pinned mapping. */
void nss_iam_lock(void);

/* A mapping kept alive while an enumeration walks it, so setpwent..endpwent
 * sees one snapshot even if it is replaced meanwhile. Lock held for both. */
struct nss_iam_map {
	struct snap *snap;
	unsigned refs;
};
struct nss_iam_map *nss_iam_pin(void); /* the current (re-checked) mapping or NULL */
void nss_iam_unpin(struct nss_iam_map *m);

/* Copy entries into caller buffers: 0, -ERANGE (buffer too small), -EBADMSG. */
int nss_iam_fill_passwd(const struct snap_user *u, struct passwd *pw, char *buf, size_t len);
int nss_iam_fill_group(const struct snap *s, const struct snap_group *g, struct group *gr,
		       char *buf, size_t len);
/* Map a snap_* lookup result to an NSS status and *errnop. */
enum nss_status nss_iam_status(int r, int *errnop);
/* nss_iam_acquire() gave no snapshot: release the lock, UNAVAIL (next source answers). */
enum nss_status nss_iam_unavailable(int *errnop);

/* The exported entry points (glibc finds them by name). */
enum nss_status _nss_iam_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
				    int *errnop);
enum nss_status _nss_iam_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
				    int *errnop);
enum nss_status _nss_iam_setpwent(int stayopen);
enum nss_status _nss_iam_getpwent_r(struct passwd *pw, char *buf, size_t len, int *errnop);
enum nss_status _nss_iam_endpwent(void);
enum nss_status _nss_iam_getgrnam_r(const char *name, struct group *gr, char *buf, size_t len,
				    int *errnop);
enum nss_status _nss_iam_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len,
				    int *errnop);
enum nss_status _nss_iam_setgrent(int stayopen);
enum nss_status _nss_iam_getgrent_r(struct group *gr, char *buf, size_t len, int *errnop);
enum nss_status _nss_iam_endgrent(void);
enum nss_status _nss_iam_initgroups_dyn(const char *user, gid_t group, long int *start,
					long int *size, gid_t **groupsp, long int limit,
					int *errnop);

#endif
