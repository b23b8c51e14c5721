/* Helpers shared by status/user/group: the snapshot and status.json of state_dir. */
#ifndef IAM_LOGIN_CLI_SNAP_H
#define IAM_LOGIN_CLI_SNAP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "snapshot.h"

/* Open <state_dir>/directory; prints why on failure. path gets the file name. 0 / -errno. */
int cli_snap_open(const struct iam_config *cfg, const char *prog, struct snap **s, char *path,
		  size_t path_n);

/* <state_dir>/status.json parsed, or NULL when missing/unreadable. */
json_t *cli_status_load(const struct iam_config *cfg);

/* "2026-12-01T04:30:00Z" */
void cli_format_time(int64_t t, char *buf, size_t n);

/* "3 min ago" etc. */
void cli_format_age(int64_t seconds, char *buf, size_t n);

/* Copy for the terminal: control / non-ASCII bytes become '?'. */
const char *cli_clean(const char *s, char *buf, size_t n);

#endif
