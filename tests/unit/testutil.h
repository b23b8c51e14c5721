/*
 * Scratch files for the unit tests, shared so each test file does not carry
 * its own copy. Scratch lives under $TMPDIR: tests/run-all points it into the
 * build folder so a test run leaves nothing in /tmp (issue 9).
 *
 * Every helper that can fail does so as a cmocka assertion: a setup that
 * cannot make its files fails the test that needed them, and no caller can
 * forget to check.
 */
#ifndef IAM_TESTS_TESTUTIL_H
#define IAM_TESTS_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* buf = "$TMPDIR/NAME.XXXXXX" (or /tmp without TMPDIR), ready for mkstemp/mkdtemp. */
char *tmp_template(char *buf, size_t size, const char *name);

/* A new private directory $TMPDIR/NAME.XXXXXX, its path in buf; returns buf. */
char *tu_mkdtemp(char *buf, size_t size, const char *name);

/* A new file $TMPDIR/NAME.XXXXXX holding text, chmod'ed to mode; its malloc'd path. */
char *tu_mkstemp_text(const char *name, const char *text, mode_t mode);

/*
 * path = exactly len bytes of data, created or truncated, then chmod'ed to mode
 * (so the umask does not decide what a permission check in the test sees).
 */
void tu_write_file(const char *path, const void *data, size_t len, mode_t mode);
void tu_write_text(const char *path, const char *text, mode_t mode);

/*
 * The whole of path, malloc'd and NUL-terminated (len may be NULL). The try_
 * form returns NULL (errno set) for a file a test may lack; the other fails.
 */
char *tu_try_read_file(const char *path, size_t *len);
char *tu_read_file(const char *path, size_t *len);

/* rm -rf path: a tree, a single file, or nothing there at all. */
void tu_rm_tree(const char *path);

#endif
