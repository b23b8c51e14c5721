/* iam-login sync: fetch the IAM directory and replace the local snapshot. */
#include "commands.h"
#include "config.h"
#include "sync.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void sync_help(FILE *f)
{
	fprintf(
	    f,
	    "Usage: iam-login sync [--force] [--dry-run] [--quiet]\n"
	    "\n"
	    "Read every IAM user and group (GetAccountAuthorizationDetails, a handful of\n"
	    "paged calls; ListUsers/ListGroups/GetGroup when that action is denied), map them\n"
	    "to Linux users and groups, and atomically replace the snapshot\n"
	    "<state_dir>/directory that libnss_iam.so.2 answers from. The outcome is recorded\n"
	    "in <state_dir>/status.json (see 'iam-login status').\n"
	    "\n"
	    "Mapping ([directory] in the config): IAM names are lowercased, strip_suffixes\n"
	    "removed, '+', '=', ',' and '@' become '_'; the result must be a portable name of at\n"
	    "most 32 characters. IAM groups get group_prefix. uids/gids are hashed from the\n"
	    "immutable IAM UserId/GroupId into uid_min..uid_max / gid_min..gid_max (collisions:\n"
	    "the older entity keeps its id); the uid_tag tag pins a uid. Every user has a\n"
	    "private group with gid = uid. Names that collide with each other or with local\n"
	    "accounts/groups (from /etc/passwd and /etc/group), invalid names and bad ids are\n"
	    "excluded and reported, never merged (merge_groups is the explicit exception).\n"
	    "\n"
	    "Safety: any failed or throttled IAM call aborts the sync and keeps the previous\n"
	    "snapshot. A sync that would remove more than max_removal_percent of the users of\n"
	    "the previous snapshot is refused unless --force is given.\n"
	    "\n"
	    "Options:\n"
	    "  -f, --force     apply even when more users than max_removal_percent disappear\n"
	    "  -n, --dry-run   do everything except writing the snapshot and status.json\n"
	    "  -q, --quiet     print nothing on success (errors still go to stderr)\n"
	    "  -h, --help      this text\n"
	    "\n"
	    "Output: one line, \"synced N users, M groups (K excluded) in C calls, S.s s,\n"
	    "generation G\"; stage progress on stderr when it is a terminal.\n"
	    "\n"
	    "Exit status: 0 synced; 1 failed or refused (previous snapshot kept); 2 usage.\n");
}

static void show_progress(void *arg, enum sync_stage stage, const char *what)
{
	(void)arg;
	(void)stage;
	fprintf(stderr, "\r\033[K%s...", what);
	fflush(stderr);
}

int cmd_sync(int argc, char **argv, const struct cli_ctx *ctx)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"dry-run", no_argument, NULL, 'n'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct sync_options opt = {0};
	struct sync_result res;
	struct iam_config cfg;
	bool quiet = false, tty;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "fnqh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			opt.force = true;
			break;
		case 'n':
			opt.dry_run = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			sync_help(stdout);
			return 0;
		default:
			sync_help(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s sync: unexpected argument '%s'\n", ctx->progname, argv[optind]);
		return 2;
	}
	if (cli_load_config(ctx, &cfg) < 0)
		return 1;
	tty = !quiet && isatty(STDERR_FILENO);
	if (tty)
		opt.progress = show_progress;
	r = sync_run(&cfg, &opt, &res);
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (r < 0) {
		fprintf(stderr, "%s sync: %s: %s\n", ctx->progname,
			res.outcome == SYNC_REFUSED ? "refused" : "failed", res.error);
		config_free(&cfg);
		return 1;
	}
	if (!quiet) {
		printf("%s%s %zu users, %zu groups (%zu excluded) in %u calls, %.1f s, "
		       "generation %llu\n",
		       opt.dry_run ? "dry run: " : "", opt.dry_run ? "would sync" : "synced",
		       res.nusers, res.ngroups, res.nexcluded, res.calls, res.seconds,
		       (unsigned long long)res.generation);
		if (res.fallback)
			printf("note: GetAccountAuthorizationDetails was denied; used "
			       "ListUsers/ListGroups/GetGroup (no tags)\n");
		if (res.nexcluded || res.nwarnings)
			printf("see 'iam-login status' for %zu excluded names and %zu warnings\n",
			       res.nexcluded, res.nwarnings);
	}
	config_free(&cfg);
	return 0;
}
