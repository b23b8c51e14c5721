#include "cli_hint.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aws/aws.h"
#include "config/config.h"

char *cli_creds_hint(const struct iam_config *cfg, const struct aws_error *err, const char *cmd,
		     char *buf, size_t size)
{
	const char *user = cfg && cfg->sync_user && *cfg->sync_user ? cfg->sync_user : "iam-login";

	if (size)
		buf[0] = '\0';
	if (!err || strcmp(err->code, "NoCredentials") != 0 || geteuid() != 0)
		return buf;
	snprintf(buf, size,
		 "root has no AWS credentials of its own; on this host they are the sync "
		 "user's (~%s/.aws): run it as that user: sudo -u %s iam-login %s",
		 user, user, cmd);
	return buf;
}
