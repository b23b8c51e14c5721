/* A growable NUL-terminated byte buffer with a hard size cap. */
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
/* Hand the buffer to the caller ("" when empty); NULL and the error if any failed. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_free(struct strbuf *sb);
/* Zero then free (for buffers that held secrets). */
void strbuf_free_secret(struct strbuf *sb);

#endif
