/* For the unit tests only: what usersfile.h does, with the clock injected. */
#ifndef IAM_USERSFILE_INTERNAL_H
#define IAM_USERSFILE_INTERNAL_H

#include <time.h>

#include "mfa/usersfile.h"

/* usersfile_verify at time now. */
int usersfile_verify_at(const char *usersfile, const char *user, const char *code, unsigned window,
			time_t now, long long *step);

#endif
