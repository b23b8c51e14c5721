/*
 * A growable NUL-terminated byte buffer with a hard size cap. It may hold
 * secrets (request bodies with session tokens, TOTP usersfiles, key cache
 * entries), so it never leaves a copy behind: growing allocates a new block,
 * copies, and wipes the old one before freeing it (realloc could free the old
 * block unwiped), and strbuf_free wipes the whole allocation.
 */
#ifndef IAM_STRBUF_H
#define IAM_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf; /* NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max; /* 0: unlimited (callers bound their own input) */
	int err;    /* sticky: first -ENOMEM / -E2BIG */
};

void strbuf_init(struct strbuf *sb, size_t max);
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_adds(struct strbuf *sb, const char *s);
int strbuf_addc(struct strbuf *sb, char c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Hand the buffer to the caller ("" when empty); NULL if any add failed (the
 * error is in sb->err). Only the first *len + 1 bytes were ever written, so
 * wipe_free(p, *len) wipes all the caller got.
 */
char *strbuf_detach(struct strbuf *sb, size_t *len);
/* Wipe the whole allocation, free it, leave sb empty (err is kept). */
void strbuf_free(struct strbuf *sb);

#endif
