/* otpauth:// URIs for authenticator apps (Key Uri Format). */
#ifndef IAM_OTPAUTH_H
#define IAM_OTPAUTH_H

/*
 * otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=D&period=P
 * with issuer and account percent-encoded. *out is malloc'd and holds the secret:
 * free with wipe_free_str.
 */
int otpauth_uri(const char *issuer, const char *account, const char *secret_b32, unsigned digits,
		unsigned period, char **out);

#endif
