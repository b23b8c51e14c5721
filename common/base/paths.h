/* Where iam-login keeps its files by default: shared by the NSS module (which
 * reads no config) and everything that does. */
#ifndef IAM_PATHS_H
#define IAM_PATHS_H

#define IAM_DEFAULT_CONFIG "/etc/iam-login/iam-login.conf"
#define IAM_DEFAULT_STATE_DIR "/var/lib/iam-login"
#define IAM_SNAPSHOT_NAME "directory"

#endif
