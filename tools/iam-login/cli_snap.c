/* Helpers shared by status/user/group (see cli_snap.h). */
#include "cli_snap.h"
#include "commands.h"
#include "base/file.h"
#include "base/log.h"
#include "directory/sync.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define STATUS_MAX_BYTES (1024 * 1024)

int cli_snap_open(const struct iam_config *cfg, const char *prog, struct snap **s, char *path,
		  size_t path_n)
{
	int r;

	if ((size_t)snprintf(path, path_n, "%s/%s", cfg->state_dir, IAM_SNAPSHOT_NAME) >= path_n)
		return -ENAMETOOLONG;
	r = snap_open_verified(path, s);
	if (r == -ENOENT)
		fprintf(stderr, "%s: no snapshot at %s (run 'iam-login sync')\n", prog, path);
	else if (r == -EBADMSG)
		fprintf(stderr, "%s: %s is damaged (run 'iam-login sync')\n", prog, path);
	else if (r < 0)
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-r));
	return r;
}

json_t *cli_status_load(const struct iam_config *cfg)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;
	json_t *j;

	/* written by the unprivileged sync: shown, never trusted for a decision */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", cfg->state_dir, SYNC_WORK_DIR,
			     SYNC_STATUS_NAME) >= sizeof(path))
		return NULL;
	if (file_read_bounded(path, STATUS_MAX_BYTES, &text, &len) < 0)
		return NULL;
	j = json_loadb(text, len, 0, NULL);
	free(text);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

void cli_format_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "%lld", (long long)t);
}

void cli_format_age(int64_t s, char *buf, size_t n)
{
	if (s < 0)
		snprintf(buf, n, "in the future (clock skew?)");
	else if (s < 120)
		snprintf(buf, n, "%lld s ago", (long long)s);
	else if (s < 7200)
		snprintf(buf, n, "%lld min ago", (long long)(s / 60));
	else if (s < 172800)
		snprintf(buf, n, "%lld h ago", (long long)(s / 3600));
	else
		snprintf(buf, n, "%lld days ago", (long long)(s / 86400));
}

const char *cli_clean(const char *s, char *buf, size_t n)
{
	return log_clean(buf, n, s ? s : "");
}

int cli_json_opts(int argc, char **argv, int nargs, void (*help)(FILE *f), bool *as_json)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c;

	*as_json = false;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'j') {
			*as_json = true;
		} else if (c == 'h') {
			help(stdout);
			return 0;
		} else {
			help(stderr);
			return 2;
		}
	}
	if (argc - optind != nargs) {
		help(stderr);
		return 2;
	}
	return -1;
}

void cli_print_json(json_t *o)
{
	char *t = o ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;

	if (t)
		puts(t);
	free(t);
	json_decref(o);
}

bool cli_parse_id(const char *arg, uint32_t *id)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!(*arg >= '0' && *arg <= '9') || *end || errno || v > UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

int cli_report_excluded(const struct snap *s, const char *kind, const char *arg, bool as_json)
{
	struct snap_info info;
	struct snap_excluded e;
	char c1[200], c2[400];

	snap_get_info(s, &info);
	for (uint32_t i = 0; i < info.nexcluded; i++) {
		if (snap_excluded_at(s, i, &e) < 0 || !e.kind || strcmp(e.kind, kind) != 0 ||
		    !e.iam_name || strcasecmp(e.iam_name, arg) != 0)
			continue;
		if (as_json)
			cli_print_json(json_pack("{s:s, s:s, s:s}", "excluded", e.iam_name, "kind",
						 e.kind, "reason", e.reason ? e.reason : ""));
		else
			printf("IAM %s %s is excluded on this host: %s\n", kind,
			       cli_clean(e.iam_name, c1, sizeof(c1)),
			       cli_clean(e.reason, c2, sizeof(c2)));
		return 0;
	}
	return -ENOENT;
}

int cli_show_one(int argc, char **argv, const struct cli_ctx *ctx, const char *kind,
		 void (*help)(FILE *f),
		 int (*show)(const struct snap *s, const char *arg, bool as_json))
{
	struct iam_config cfg;
	struct snap *s = NULL;
	char path[PATH_MAX], prog[32], c1[200];
	bool as_json;
	int ret = cli_json_opts(argc, argv, 1, help, &as_json);

	if (ret >= 0)
		return ret;
	ret = 1;
	if (cli_load_config(ctx, &cfg) < 0)
		return 1;
	snprintf(prog, sizeof(prog), "iam-login %s", kind);
	if (cli_snap_open(&cfg, prog, &s, path, sizeof(path)) == 0) {
		if (show(s, argv[optind], as_json) == 0)
			ret = 0;
		else if (cli_report_excluded(s, kind, argv[optind], as_json) < 0)
			fprintf(stderr, "%s: %s: no such %s in the snapshot\n", prog,
				cli_clean(argv[optind], c1, sizeof(c1)), kind);
		snap_close(s);
	}
	config_free(&cfg);
	return ret;
}
