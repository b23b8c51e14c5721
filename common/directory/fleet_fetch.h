/*
 * Fleet mode, the host's unprivileged half (decision 14): fetch
 * s3://BUCKET/PREFIX/directory.bundle with a conditional GET, verify it with
 * the publisher's public key, and leave it as the candidate
 * <state_dir>/sync/directory.bundle for root's install, which verifies it again
 * with root's view of the key (snapinstall.h) before anything is installed.
 * An unchanged bundle costs one 304 and nothing else. No IAM call is made.
 */
#ifndef IAM_FLEET_FETCH_H
#define IAM_FLEET_FETCH_H

#include "config/config.h"
#include "directory/sync.h"

#define FLEET_BUNDLE_NAME "directory.bundle"
#define FLEET_ETAG_NAME "directory.bundle.etag"

/*
 * One fetch into work_dir (the caller holds the sync lock; dry_run: verify, keep
 * nothing). res->generation
 * holds the installed generation on entry; on success it is the bundle's and
 * res->unchanged tells a 304 or an already-installed bundle. 0 or -errno with
 * res->err set (a refused bundle: -EBADMSG, -EKEYREJECTED, -EPERM, -ESTALE).
 */
int fleet_fetch(const struct iam_config *cfg, const char *work_dir, bool dry_run,
		struct sync_result *res);

#endif
