/* Helpers shared by status/user/group: their options, the snapshot and status.json
 * of state_dir, and printing. */
#ifndef IAM_LOGIN_CLI_SNAP_H
#define IAM_LOGIN_CLI_SNAP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "snapshot/snapshot_reader.h"

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

/*
 * The options of status/user/group: [--json] [-h|--help] and exactly nargs operands
 * (from argv[optind]). Returns -1 to go on, else the exit status: 0 after --help,
 * 2 on a usage error (help printed to stderr).
 */
int cli_json_opts(int argc, char **argv, int nargs, void (*help)(FILE *f), bool *as_json);

/* Print o as indented JSON with sorted keys and drop the reference (o may be NULL). */
void cli_print_json(json_t *o);

/* A whole decimal uid/gid ("1001"; no sign, space or overflow). */
bool cli_parse_id(const char *arg, uint32_t *id);

/*
 * When the snapshot lists the IAM `kind` ("user"/"group") named arg (case-insensitive)
 * as excluded, print why and return 0; else -ENOENT.
 */
int cli_report_excluded(const struct snap *s, const char *kind, const char *arg, bool as_json);

struct cli_ctx;

/*
 * The body of `iam-login user|group [--json] ARG`: options, config, snapshot; then
 * show(s, ARG, as_json), which returns 0 when it found and printed the entry, else
 * -ENOENT. Not found: the exclusion reason of the IAM `kind` named ARG, or an error
 * line. Returns the exit status (0 found; 1 not found, excluded or no snapshot; 2 usage).
 */
int cli_show_one(int argc, char **argv, const struct cli_ctx *ctx, const char *kind,
		 void (*help)(FILE *f),
		 int (*show)(const struct snap *s, const char *arg, bool as_json));

#endif
