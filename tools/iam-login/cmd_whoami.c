/* iam-login whoami: which AWS identity does this host act as? */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/sts.h"
#include "cli_hint.h"
#include "commands.h"
#include "config/config.h"
#include "base/log.h"

static void whoami_usage(FILE *out)
{
	fprintf(out,
		"Usage: iam-login [--config FILE] whoami\n"
		"\n"
		"Ask AWS STS (GetCallerIdentity, which needs no IAM permission) which identity\n"
		"this host's credentials belong to, and print its account, ARN and user id.\n"
		"Credentials are found as the AWS SDKs do: environment, shared credentials/config\n"
		"files (profile), container credentials, EC2 instance metadata (IMDSv2). When the\n"
		"config sets [aws] role_arn, the role is assumed and the source identity that\n"
		"assumed it is printed too.\n"
		"\n"
		"Output lines: Account, Arn, UserId, and with a role SourceAccount, SourceArn.\n"
		"Exit status: 0 success; 1 when AWS answers with an error (printed as\n"
		"\"Code: Message\") or no credentials are found; 2 usage error.\n");
}

static void print_field(const char *label, const char *value)
{
	char clean[512];

	printf("%s: %s\n", label, log_clean(clean, sizeof(clean), value ? value : ""));
}

/* One client, one GetCallerIdentity; prints "Code: Message" on failure. */
static int identity(const struct iam_config *cfg, unsigned flags, struct sts_identity *id,
		    bool *assumed)
{
	struct aws_client *c = NULL;
	struct aws_error err;
	char msg[900];
	int r;

	r = aws_client_new(cfg, flags, &c, &err);
	if (r == 0) {
		r = sts_get_caller_identity(c, id, &err);
		if (assumed)
			*assumed = aws_client_assumed_role_arn(c) != NULL;
	}
	if (r < 0) {
		fprintf(stderr, "iam-login: whoami: %s\n", aws_error_str(&err, msg, sizeof(msg)));
		if (*cli_creds_hint(cfg, &err, "whoami", msg, sizeof(msg)))
			fprintf(stderr, "iam-login: whoami: %s\n", msg);
	}
	aws_client_free(c);
	return r;
}

int cmd_whoami(int argc, char **argv, const struct cli_ctx *ctx)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct iam_config cfg;
	struct sts_identity id = {0}, src = {0};
	bool assumed = false;
	int o, rc = 1;

	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'h') {
			whoami_usage(stdout);
			return 0;
		}
		whoami_usage(stderr);
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "iam-login: whoami: unexpected argument '%s'\n", argv[optind]);
		whoami_usage(stderr);
		return 2;
	}
	if (cli_load_config(ctx, &cfg) < 0)
		return 1;
	if (identity(&cfg, 0, &id, &assumed) < 0)
		goto out;
	print_field("Account", id.account);
	print_field("Arn", id.arn);
	print_field("UserId", id.user_id);
	if (assumed) {
		/* The identity that assumed the role: same chain, no AssumeRole. */
		if (identity(&cfg, AWS_CLIENT_NO_ASSUME_ROLE, &src, NULL) < 0)
			goto out;
		print_field("SourceAccount", src.account);
		print_field("SourceArn", src.arn);
	}
	rc = 0;
out:
	sts_identity_free(&id);
	sts_identity_free(&src);
	config_free(&cfg);
	return rc;
}
