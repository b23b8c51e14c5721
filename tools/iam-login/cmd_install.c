/* iam-login install: root checks the sync's candidate snapshot and installs it. */
#include "commands.h"
#include "config/config.h"
#include "directory/snapinstall.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "base/log.h"

static void install_help(FILE *f)
{
	fprintf(
	    f, "Usage: iam-login install [--quiet]\n"
	       "\n"
	       "The privileged half of a sync (run as root; the systemd unit runs it right\n"
	       "after 'iam-login sync' as the service user). Reads the candidate snapshot the\n"
	       "unprivileged sync wrote to <state_dir>/sync/directory, copies it, checks every\n"
	       "record against this config and the host's own /etc/passwd and /etc/group, and\n"
	       "only then installs it as <state_dir>/directory, owned by root, atomically.\n"
	       "\n"
	       "Refused (the installed snapshot stays as it is) when: <state_dir> is not owned by\n"
	       "root or writable by others; the candidate is not a well-formed snapshot; its\n"
	       "generation is not above the installed one; a uid is outside uid_min..uid_max or\n"
	       "a gid outside gid_min..gid_max (or below 65536); a name, uid or gid belongs to a\n"
	       "local account or group; a group carries a local gid that merge_groups does not\n"
	       "name. Whoever runs the network-facing sync can propose users, never root, a local\n"
	       "uid or membership in sudo, shadow or disk.\n"
	       "\n"
	       "Fleet mode ([directory] source = s3://...): the candidate is the signed bundle\n"
	       "<state_dir>/sync/directory.bundle. It must verify with signing_public_key, name\n"
	       "source_account (when set), be no older than [pam] max_snapshot_age and carry a\n"
	       "generation not below the installed one (no rollback); its snapshot then goes\n"
	       "through the checks above. The bundle already installed is success.\n"
	       "\n"
	       "Options:\n"
	       "  -q, --quiet   print nothing on success\n"
	       "  -h, --help    this text\n"
	       "\n"
	       "Exit status: 0 installed (or already installed); 1 refused or failed; 2 usage.\n");
}

int cli_install_candidate(const struct iam_config *cfg, bool quiet, const char *progname)
{
	struct install_result res;
	char clean[sizeof(res.err.msg)];
	int r = snapshot_install(cfg, NULL, NULL, &res);

	if (r < 0) {
		fprintf(stderr, "%s install: refused: %s; the installed snapshot is unchanged\n",
			progname, res.err.msg);
		log_audit(LOG_WARNING, "iam-login install refused: %s",
			  log_clean(clean, sizeof(clean), res.err.msg));
		return 1;
	}
	if (res.unchanged) {
		if (!quiet)
			printf("generation %llu is already installed\n",
			       (unsigned long long)res.generation);
		return 0;
	}
	log_audit(LOG_NOTICE, "iam-login install: generation %llu: %u users, %u groups",
		  (unsigned long long)res.generation, res.nusers, res.ngroups);
	if (!quiet)
		printf("installed generation %llu: %u users, %u groups (with private groups)\n",
		       (unsigned long long)res.generation, res.nusers, res.ngroups);
	return 0;
}

int cmd_install(int argc, char **argv, const struct cli_ctx *ctx)
{
	static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct iam_config cfg;
	bool quiet = false;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			install_help(stdout);
			return 0;
		default:
			install_help(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s install: unexpected argument '%s'\n", ctx->progname,
			argv[optind]);
		return 2;
	}
	if (cli_load_config(ctx, &cfg) < 0)
		return 1;
	r = cli_install_candidate(&cfg, quiet, ctx->progname);
	config_free(&cfg);
	return r;
}
