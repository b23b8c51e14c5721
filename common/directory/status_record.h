/*
 * A status file that can always be rewritten, also on a full disk: the last
 * run's outcome must never keep saying "ok" because the run that failed could
 * not write (issue 15). Every record is padded to the same size, so the file's
 * blocks exist once it has been written; when the atomic rename path fails
 * (ENOSPC, EDQUOT), the record overwrites those blocks in place.
 */
#ifndef IAM_STATUS_RECORD_H
#define IAM_STATUS_RECORD_H

#include <stddef.h>

/* Padded size of a record; a longer text is refused (-E2BIG): shorten it. */
#define STATUS_RECORD_SIZE (32u * 1024u)

/*
 * Write text (JSON; white space after it keeps it valid) as dir/name, mode
 * 0644, owned by the caller. 0, or -errno when neither the atomic write nor the
 * in-place rewrite of an existing record of this user worked.
 */
int status_record_write(const char *dir, const char *name, const char *text);

#endif
