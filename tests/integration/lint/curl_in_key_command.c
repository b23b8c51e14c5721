/*
 * lint.sh links this into a test copy of iam-authorized-keys: a libcurl call
 * in the key command must fail to link the Makefile's way, and if forced in
 * with -lcurl the NEEDED check must catch it.
 */
#include <curl/curl.h>

void *lint_stray_curl_call(void);
void *lint_stray_curl_call(void)
{
	return curl_easy_init();
}
