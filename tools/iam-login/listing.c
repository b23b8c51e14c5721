/* The raw IAM listings of `iam-login users` and `iam-login groups`. */
#include "listing.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/aws.h"
#include "cli_hint.h"
#include "config/config.h"
#include "base/log.h"

int listing_parse(int argc, char **argv, const char *help_text, struct listing_opts *o)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"source", required_argument, NULL, 's'},
	    {"page-size", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->gaad = true;
	o->page_size = -1;
	optind = 1;
	opterr = 0; /* our own messages name the tool and the command */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 's':
			if (strcmp(optarg, "gaad") == 0) {
				o->gaad = true;
			} else if (strcmp(optarg, "list") == 0) {
				o->gaad = false;
			} else {
				fprintf(stderr, "iam-login %s: --source is 'gaad' or 'list'\n",
					argv[0]);
				return 2;
			}
			break;
		case 'p':
			errno = 0;
			o->page_size = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || o->page_size < 1 ||
			    o->page_size > 1000) {
				fprintf(stderr, "iam-login %s: --page-size is 1 to 1000\n",
					argv[0]);
				return 2;
			}
			break;
		case 'h':
			fputs(help_text, stdout);
			return 0;
		default:
			fprintf(stderr, "iam-login %s: bad option or missing value: '%s'\n",
				argv[0], argv[optind - 1]);
			fprintf(stderr, "Try 'iam-login %s --help'.\n", argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "iam-login %s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return 2;
	}
	return -1;
}

int listing_fetch(const struct cli_ctx *ctx, const char *cmd, const struct listing_opts *o,
		  struct iam_directory *d)
{
	struct iam_config cfg;
	struct aws_client *c = NULL;
	struct aws_error err;
	char msg[800], clean[800];
	unsigned page_size;
	int rc;

	memset(d, 0, sizeof(*d));
	if (cli_load_config(ctx, &cfg) < 0)
		return 1;
	page_size = o->page_size > 0 ? (unsigned)o->page_size : cfg.page_size;
	memset(&err, 0, sizeof(err));
	rc = aws_client_new(&cfg, 0, &c, &err);
	if (rc == 0)
		rc = o->gaad ? iam_get_account_authorization_details(c, page_size, d, &err)
			     : iam_list_directory(c, page_size, d, &err);
	aws_client_free(c);
	if (rc < 0) {
		/* The message came from the network: no control characters on the terminal. */
		log_clean(clean, sizeof(clean), aws_error_str(&err, msg, sizeof(msg)));
		fprintf(stderr, "iam-login %s: %s\n", cmd, clean);
		if (*cli_creds_hint(&cfg, &err, cmd, msg, sizeof(msg)))
			fprintf(stderr, "iam-login %s: %s\n", cmd, msg);
		config_free(&cfg);
		return 1;
	}
	config_free(&cfg);
	return 0;
}

const char *listing_time(time_t t, char *buf, size_t n)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "-");
	return buf;
}

size_t *listing_members(const struct iam_directory *d, const char *group, size_t *n)
{
	size_t *idx, i, j;

	*n = 0;
	idx = calloc(d->nusers ? d->nusers : 1, sizeof(*idx));
	if (!idx)
		return NULL;
	for (i = 0; i < d->nusers; i++)
		for (j = 0; j < d->users[i].ngroups; j++)
			if (strcasecmp(d->users[i].groups[j], group) == 0) {
				idx[(*n)++] = i;
				break;
			}
	return idx;
}
