/* iam-login publish: the fleet publisher (decision 14). */
#include "commands.h"
#include "config/config.h"
#include "directory/publish.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void publish_help(FILE *f)
{
	fprintf(
	    f,
	    "Usage: iam-login publish [--force] [--dry-run] [--quiet]\n"
	    "\n"
	    "The one publisher of a fleet (README \"Fleets\"). Reads the IAM directory exactly as\n"
	    "'iam-login sync' does (every page or nothing, the same mapping, the removal guard\n"
	    "against the bundle published last) and uploads it to [publish] destination as\n"
	    "PREFIX/directory.bundle: a header (format, account, generation, creation time,\n"
	    "payload length and SHA-256), the snapshot, and an ECDSA P-256 signature over the\n"
	    "header made by [publish] signing_key: kms:KEY (kms:Sign; the private key never\n"
	    "leaves KMS) or a PEM file (P-256, owned by the user running publish, mode 0600).\n"
	    "Hosts with [directory] source = the same place fetch it with 'iam-login sync' and\n"
	    "never call IAM for the directory.\n"
	    "\n"
	    "The upload is conditional: If-Match on the ETag of the bundle read at the start\n"
	    "(If-None-Match: * for the first), so two publishers never interleave; the loser\n"
	    "is told and exits 1, nothing is retried blindly. An unchanged directory is not\n"
	    "uploaded (one S3 GET, a 304, and the IAM pages) until the bundle is\n"
	    "republish_after old; then it is re-signed with a new generation so hosts can tell\n"
	    "a live publisher from a dead one ([pam] max_snapshot_age). Generations are at\n"
	    "least the current Unix time and always above the bundle in S3.\n"
	    "\n"
	    "Fleet MFA: with [mfa] fleet_kms_key set, publish then merges the enrolment\n"
	    "objects under PREFIX/mfa/ (written by 'iam-login mfa enroll --fleet' or\n"
	    "'--self') into PREFIX/mfa.bundle: signed like the directory, stored SSE-KMS with\n"
	    "that key. One LIST; only objects whose ETag changed are read. An object counts\n"
	    "only for an IAM user of this directory with the same name and UserId; a user\n"
	    "gone from IAM (or their object) leaves the bundle, and every host, at once.\n"
	    "Output adds \"mfa: generation G, N users (R read, X refused)\".\n"
	    "\n"
	    "Files: <state_dir>/publish (0700, the publishing user's): the last bundle and its\n"
	    "ETag, the previous directory for the removal guard, status.json.\n"
	    "\n"
	    "Options:\n"
	    "  -f, --force     apply even when more users than max_removal_percent disappear;\n"
	    "                  replace a bundle this key did not sign; upload even if unchanged\n"
	    "  -n, --dry-run   sync, sign and verify, but upload nothing\n"
	    "  -q, --quiet     print nothing on success (errors still go to stderr)\n"
	    "  -h, --help      this text\n"
	    "\n"
	    "Output: \"published generation G: N users, M groups (K excluded), B bytes, I IAM\n"
	    "calls, S S3/KMS calls, T s\" or \"unchanged: generation G ...\".\n"
	    "\n"
	    "Exit status: 0 uploaded or unchanged; 1 failed, refused or lost the race (the\n"
	    "bundle in S3 is unchanged); 2 usage.\n");
}

int cmd_publish(int argc, char **argv, const struct cli_ctx *ctx)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"dry-run", no_argument, NULL, 'n'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct publish_options opt = {0};
	struct publish_result res;
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
			publish_help(stdout);
			return 0;
		default:
			publish_help(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s publish: unexpected argument '%s'\n", ctx->progname,
			argv[optind]);
		return 2;
	}
	if (cli_load_config(ctx, &cfg) < 0)
		return 1;
	r = publish_run(&cfg, &opt, &res);
	config_free(&cfg);
	if (r < 0) {
		fprintf(stderr, "%s publish: %s: %s\n", ctx->progname,
			publish_outcome_name(res.outcome), res.err.msg);
		return 1;
	}
	if (quiet)
		return 0;
	if (res.outcome == PUBLISH_UNCHANGED)
		printf("unchanged: generation %llu (%zu users, %zu groups), %u IAM calls, %u "
		       "S3/KMS calls, %.1f s\n",
		       (unsigned long long)res.generation, res.nusers, res.ngroups, res.iam_calls,
		       res.s3_calls, res.seconds);
	else
		printf("%s generation %llu: %zu users, %zu groups (%zu excluded), %zu bytes, %u "
		       "IAM calls, %u S3/KMS calls, %.1f s\n",
		       opt.dry_run ? "dry run: would publish" : "published",
		       (unsigned long long)res.generation, res.nusers, res.ngroups, res.nexcluded,
		       res.bytes, res.iam_calls, res.s3_calls, res.seconds);
	if (res.mfa_on)
		printf("mfa: %s generation %llu, %zu users (%zu read, %zu refused), %u S3 calls\n",
		       res.mfa.uploaded ? "published" : "unchanged",
		       (unsigned long long)res.mfa.generation, res.mfa.users, res.mfa.read,
		       res.mfa.rejected, res.mfa.calls);
	return 0;
}
