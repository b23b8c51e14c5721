/* Between the config loader and its drop-in reader; not for other callers. */
#ifndef IAM_CONFIG_INTERNAL_H
#define IAM_CONFIG_INTERNAL_H

#include "config/config.h"

/*
 * Parse one open file (fd is consumed) on top of cfg: the same size, owner and
 * mode rules as the main file, a key given twice within it is an error, a key
 * it shares with an earlier file replaces that file's value. err names name.
 */
int config_load_fd(int fd, const char *name, struct iam_config *cfg, struct config_error *err);

/*
 * After the main file PATH: every PATH.d/NAME.conf in byte order of NAME (a missing directory
 * is none). The directory must be root's and writable by nobody else, as the
 * files are, or whoever could write it could add, drop or reorder settings.
 */
int config_load_dropins(const char *path, struct iam_config *cfg, struct config_error *err);

#endif
