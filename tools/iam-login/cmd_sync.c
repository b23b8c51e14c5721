/* iam-login sync: fetch the IAM directory and replace the local snapshot. */
#include "cli_privs.h"
#include "commands.h"
#include "config/config.h"
#include "directory/sync.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void sync_help(FILE *f)
{
	fprintf(
	    f,
	    "Usage: iam-login sync [--force] [--dry-run] [--quiet]\n"
	    "\n"
	    "Read every IAM user and group (GetAccountAuthorizationDetails, a handful of\n"
	    "paged calls; ListUsers/ListGroups/GetGroup when that action is denied), map them\n"
	    "to Linux users and groups, and write the result as a candidate snapshot\n"
	    "<state_dir>/sync/directory; the outcome goes to <state_dir>/sync/status.json\n"
	    "(see 'iam-login status').\n"
	    "\n"
	    "Privileges: run as the service user (sync_user, default iam-login), sync only\n"
	    "proposes; 'iam-login install' (root) checks every record and installs the\n"
	    "snapshot <state_dir>/directory that libnss_iam.so.2 answers from. Run by root,\n"
	    "sync does both: the IAM calls and the XML parsing in a child running as\n"
	    "sync_user (with that user's HOME, so its ~/.aws is used), then the install.\n"
	    "\n"
	    "Mapping ([directory] in the config): IAM names are lowercased, strip_suffixes\n"
	    "removed, '+', '=', ',' and '@' become '_'; the result must be a portable name of at\n"
	    "most 32 characters. IAM groups get group_prefix. uids/gids are hashed from the\n"
	    "immutable IAM UserId/GroupId into uid_min..uid_max / gid_min..gid_max (collisions:\n"
	    "the older entity keeps its id); the uid_tag tag pins a uid, which must also lie\n"
	    "inside uid_min..uid_max.\n"
	    "Every user has a private group with gid = uid. When names collide after mapping,\n"
	    "the older CreateDate keeps the name and the newer is excluded. Names that collide\n"
	    "with local accounts/groups (from /etc/passwd and /etc/group), invalid names and\n"
	    "bad ids are excluded and reported, never merged (merge_groups is the explicit\n"
	    "exception). A shell_tag value must be listed in /etc/shells.\n"
	    "\n"
	    "Safety: any failed or throttled IAM call aborts the sync and keeps the previous\n"
	    "snapshot. A sync that would remove more than max_removal_percent of the users of\n"
	    "the previous snapshot is refused unless --force is given; users excluded only by a\n"
	    "local account of this host do not count. The lock is <state_dir>/sync/.sync.lock\n"
	    "(directory 0700, owned by the user running the sync).\n"
	    "\n"
	    "Fleet mode ([directory] source = s3://BUCKET/PREFIX, README \"Fleets\"): no IAM\n"
	    "call for the directory. One conditional GET of PREFIX/directory.bundle (an\n"
	    "unchanged bundle costs one 304 and nothing else); the bundle must verify with\n"
	    "signing_public_key, name source_account when set, be younger than [pam]\n"
	    "max_snapshot_age and never roll the generation back. It is staged as\n"
	    "<state_dir>/sync/directory.bundle and root's install verifies it again. S3\n"
	    "unreachable or a refused bundle: exit 1, the installed snapshot keeps serving\n"
	    "and status.json says why.\n"
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

/* One unprivileged sync into <state_dir>/sync. The exit status. */
static int sync_once(const struct iam_config *cfg, struct sync_options *opt, bool quiet,
		     const char *progname)
{
	struct sync_result res;
	bool tty = !quiet && isatty(STDERR_FILENO);
	int r;

	if (tty)
		opt->progress = show_progress;
	r = sync_run(cfg, opt, &res);
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (r < 0) {
		fprintf(stderr, "%s sync: %s: %s\n", progname,
			res.outcome == SYNC_REFUSED ? "refused" : "failed", res.err.msg);
		return 1;
	}
	if (!quiet && res.fleet) {
		if (res.unchanged)
			printf("%sbundle unchanged, generation %llu, %u calls, %.1f s\n",
			       opt->dry_run ? "dry run: " : "", (unsigned long long)res.generation,
			       res.calls, res.seconds);
		else
			printf("%s %zu users, %zu groups with the private ones (%zu excluded) from "
			       "%s in %u "
			       "calls, %.1f s, generation %llu\n",
			       opt->dry_run ? "dry run: verified bundle:" : "fetched bundle:",
			       res.nusers, res.ngroups, res.nexcluded, cfg->directory_source,
			       res.calls, res.seconds, (unsigned long long)res.generation);
	} else if (!quiet) {
		printf("%s%s %zu users, %zu groups (%zu excluded) in %u calls, %.1f s, "
		       "generation %llu\n",
		       opt->dry_run ? "dry run: " : "", opt->dry_run ? "would sync" : "synced",
		       res.nusers, res.ngroups, res.nexcluded, res.calls, res.seconds,
		       (unsigned long long)res.generation);
		if (res.fallback)
			printf("note: GetAccountAuthorizationDetails was denied; used "
			       "ListUsers/ListGroups/GetGroup (no tags)\n");
		if (res.nexcluded || res.nwarnings)
			printf("see 'iam-login status' for %zu excluded names and %zu warnings\n",
			       res.nexcluded, res.nwarnings);
	}
	fflush(stdout);
	return 0;
}

/* The sync's own directory, owned by the user it runs as (root made the state dir). */
static int prepare_work_dir(const struct iam_config *cfg, const struct passwd *pw,
			    const char *progname)
{
	char work[PATH_MAX];
	struct stat st;

	if (sync_work_dir(cfg->state_dir, work, sizeof(work)) < 0)
		return -ENAMETOOLONG;
	if (mkdir(cfg->state_dir, 0755) < 0 && errno != EEXIST)
		goto fail;
	if (mkdir(work, 0700) < 0 && errno != EEXIST)
		goto fail;
	if (lstat(work, &st) < 0)
		goto fail;
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s sync: %s is not a directory\n", progname, work);
		return -ENOTDIR;
	}
	/* the state dir is root's (install refuses otherwise), so nobody can swap
	 * the entry between the lstat and the chown */
	if ((st.st_uid != pw->pw_uid || st.st_gid != pw->pw_gid) &&
	    chown(work, pw->pw_uid, pw->pw_gid) < 0)
		goto fail;
	if ((st.st_mode & 07777) != 0700 && chmod(work, 0700) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s sync: preparing %s: %s\n", progname, work, strerror(errno));
	return -errno;
}

/*
 * Root's `sync`: fetch as sync_user in a child, then install as root. The
 * network, TLS and XML code never runs with root's privileges.
 */
static int sync_as_root(const struct iam_config *cfg, struct sync_options *opt, bool quiet,
			const char *progname)
{
	struct passwd *pw = getpwnam(cfg->sync_user);
	int status = 0;
	pid_t pid;

	if (!pw || pw->pw_uid == 0) {
		fprintf(stderr,
			"%s sync: service user '%s' %s: create it (adduser --system --group "
			"--home /var/lib/iam-login %s), or set [directory] sync_user\n",
			progname, cfg->sync_user, pw ? "is root" : "does not exist",
			cfg->sync_user);
		return 1;
	}
	if (prepare_work_dir(cfg, pw, progname) < 0)
		return 1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s sync: fork: %s\n", progname, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		/* the service user's shared AWS files, not root's */
		if (cli_become(pw, progname, "sync") < 0)
			_exit(1);
		_exit(sync_once(cfg, opt, quiet, progname));
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	/* the sync's line already said what happened; install speaks only on refusal */
	return cli_install_candidate(cfg, true, progname);
}

int cmd_sync(int argc, char **argv, const struct cli_ctx *ctx)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"dry-run", no_argument, NULL, 'n'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct sync_options opt = {0};
	struct iam_config cfg;
	bool quiet = false;
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
	if (geteuid() == 0 && !opt.dry_run)
		r = sync_as_root(&cfg, &opt, quiet, ctx->progname);
	else
		r = sync_once(&cfg, &opt, quiet, ctx->progname);
	config_free(&cfg);
	return r;
}
