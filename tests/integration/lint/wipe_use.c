/*
 * lint.sh compiles this twice: as is (an array wipes) and with -DWIPE_POINTER,
 * which must not compile: wipe() of a pointer would zero 8 bytes of a secret.
 */
#include "base/wipe.h"

void lint_wipe_use(void);
void lint_wipe_use(void)
{
	char secret[64] = "s3cret";
#ifdef WIPE_POINTER
	char *p = secret;
	wipe(p);
#else
	wipe(secret);
#endif
}
