#include "mfa/otpauth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/percent.h"
#include "base/strbuf.h"

int otpauth_uri(const char *issuer, const char *account, const char *secret_b32, unsigned digits,
		unsigned period, char **out)
{
	struct strbuf b;
	char tail[96];
	int r;

	if (!issuer || !*issuer || !account || !*account || !secret_b32 || !*secret_b32)
		return -EINVAL;
	strbuf_init(&b, 0);
	snprintf(tail, sizeof(tail), "&algorithm=SHA1&digits=%u&period=%u", digits, period);
	r = strbuf_add(&b, "otpauth://totp/", 15);
	r = r ?: percent_encode(&b, issuer, strlen(issuer), 0);
	r = r ?: strbuf_add(&b, ":", 1);
	r = r ?: percent_encode(&b, account, strlen(account), 0);
	r = r ?: strbuf_add(&b, "?secret=", 8);
	r = r ?: strbuf_add(&b, secret_b32, strlen(secret_b32));
	r = r ?: strbuf_add(&b, "&issuer=", 8);
	r = r ?: percent_encode(&b, issuer, strlen(issuer), 0);
	r = r ?: strbuf_add(&b, tail, strlen(tail));
	if (r < 0) {
		strbuf_free(&b);
		return r;
	}
	/* Hand out a buffer whose length matches its string so free_secret_str wipes it all. */
	*out = strdup(b.buf);
	strbuf_free(&b);
	return *out ? 0 : -ENOMEM;
}
