/* Running a subcommand's network half as a service user instead of root. */
#ifndef IAM_LOGIN_CLI_PRIVS_H
#define IAM_LOGIN_CLI_PRIVS_H

#include <pwd.h>

/*
 * Become pw for good (no supplementary groups, no way back to root) with
 * that user's HOME, USER and LOGNAME, so its ~/.aws is the one used. 0, or
 * -errno after printing "PROGNAME CMD: cannot drop to USER: reason".
 */
int cli_become(const struct passwd *pw, const char *progname, const char *cmd);

#endif
