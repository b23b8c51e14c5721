#ifndef IAM_TESTS_TMPPATH_H
#define IAM_TESTS_TMPPATH_H
/*
 * Scratch files live under $TMPDIR: tests/run-all points it into the build
 * folder so a test run leaves nothing in /tmp (issue 9).
 */
#include <stdio.h>
#include <stdlib.h>

/* buf = "$TMPDIR/NAME.XXXXXX" (or /tmp without TMPDIR), ready for mkstemp/mkdtemp. */
static inline char *tmp_template(char *buf, size_t size, const char *name)
{
	const char *d = getenv("TMPDIR");

	snprintf(buf, size, "%s/%s.XXXXXX", d && *d ? d : "/tmp", name);
	return buf;
}

#endif
