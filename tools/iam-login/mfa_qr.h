/* Terminal QR codes for otpauth URIs (libqrencode). */
#ifndef IAM_LOGIN_MFA_QR_H
#define IAM_LOGIN_MFA_QR_H

#include <stdio.h>

/*
 * Draw text as a QR code with Unicode half blocks, two module rows per line,
 * with explicit ANSI colours (light on dark) so it scans on any terminal theme.
 * The symbol's buffer holds the secret and is zeroed. 0 or -errno.
 */
int mfa_qr_print(FILE *out, const char *text);

#endif
