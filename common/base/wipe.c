#include "base/wipe.h"

#include <stdlib.h>

void wipe_free(void *p, size_t len)
{
	if (!p)
		return;
	explicit_bzero(p, len);
	free(p);
}

void wipe_free_str(char *s)
{
	if (s)
		wipe_free(s, strlen(s));
}
