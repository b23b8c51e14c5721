/*
 * Zeroing secrets where the compiler may not drop the stores (explicit_bzero).
 * wipe(a) takes an array and wipes all of it; given a pointer it does not
 * compile, because sizeof(pointer) would wipe 8 bytes and leave the secret.
 */
#ifndef IAM_WIPE_H
#define IAM_WIPE_H

#include <stddef.h>
#include <string.h>

/* 1 when a is an array (its type differs from a pointer to its first element). */
#define WIPE_IS_ARRAY(a) (!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])))

#define wipe(a)                                                                                    \
	do {                                                                                       \
		_Static_assert(WIPE_IS_ARRAY(a), "wipe() needs an array: use wipe_bytes()");       \
		explicit_bzero((a), sizeof(a));                                                    \
	} while (0)

static inline void wipe_bytes(void *p, size_t len)
{
	if (p)
		explicit_bzero(p, len);
}

/* Zero len bytes at p, then free p (NULL is fine). */
void wipe_free(void *p, size_t len);
/* Zero a NUL-terminated string, then free it (NULL is fine). */
void wipe_free_str(char *s);

#endif
