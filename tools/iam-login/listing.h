/* Shared by `iam-login users` and `iam-login groups`: options, fetching the raw
 * IAM directory, and formatting. Internal to tools/iam-login. */
#ifndef IAM_LOGIN_LISTING_H
#define IAM_LOGIN_LISTING_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "commands.h"
#include "iam/iam_api.h"

struct listing_opts {
	bool json;
	bool gaad;	/* GetAccountAuthorizationDetails (default) or List* calls */
	long page_size; /* -1: the config's [aws] page_size */
	bool help;
};

/*
 * Parse the options of `iam-login CMD` (argv[0] is CMD). Returns -1 to go on,
 * else the exit status to return (0 after --help was printed, 2 on a usage
 * error). help_text is printed for --help.
 */
int listing_parse(int argc, char **argv, const char *help_text, struct listing_opts *o);

/* Load the config, make a client, read the directory. 0, or 1 after printing the error. */
int listing_fetch(const struct cli_ctx *ctx, const char *cmd, const struct listing_opts *o,
		  struct iam_directory *d);

/* "2024-01-02T03:04:05Z" into buf (at least 21 bytes). */
const char *listing_time(time_t t, char *buf, size_t n);

/* Members of group (user names, in user order) as indexes into d->users; caller frees. */
size_t *listing_members(const struct iam_directory *d, const char *group, size_t *n);

#endif
