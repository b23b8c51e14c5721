/*
 * AWS Signature Version 4 (header form). The steps are separate functions so
 * tests can compare each against AWS's test suite byte for byte.
 */
#ifndef IAM_SIGV4_H
#define IAM_SIGV4_H

#include <stddef.h>
#include <stdint.h>

struct sigv4_header {
	const char *name;  /* any case */
	const char *value; /* raw; continuation lines may be joined with "\n " */
};

/* One HTTP request as it will go on the wire. */
struct sigv4_request {
	const char *method;
	const char *path;  /* as on the request line, e.g. "/" (normalized, then encoded) */
	const char *query; /* after '?', or NULL/"" */
	const struct sigv4_header *headers; /* every header to sign (host, x-amz-date, ...) */
	size_t nheaders;
	const void *payload;
	size_t payload_len;
};

struct sigv4_params {
	const char *access_key;
	const char *secret_key; /* secret: never logged */
	const char *region;
	const char *service;
	const char *amz_date; /* "YYYYMMDDTHHMMSSZ" */
};

#define SIGV4_AMZ_DATE_LEN 16

/* "YYYYMMDDTHHMMSSZ" for t (UTC) into buf (at least 17 bytes). */
void sigv4_amz_date(long long t, char buf[SIGV4_AMZ_DATE_LEN + 1]);

/* Canonical request; *signed_headers gets "host;x-amz-date" etc. Both malloc'd. 0 / -errno. */
int sigv4_canonical_request(const struct sigv4_request *r, char **creq, char **signed_headers);

/* String to sign for a canonical request. malloc'd. 0 / -errno. */
int sigv4_string_to_sign(const struct sigv4_params *p, const char *creq, char **sts);

/* kSigning = HMAC chain over date, region, service, "aws4_request". 0 / -errno. */
int sigv4_signing_key(const struct sigv4_params *p, uint8_t key[32]);

/* Hex signature of sts with the signing key into hex (65 bytes). 0 / -errno. */
int sigv4_signature(const struct sigv4_params *p, const char *sts, char hex[65]);

/* Full Authorization header value. malloc'd. 0 / -errno. */
int sigv4_authorization(const struct sigv4_request *r, const struct sigv4_params *p, char **authz);

/* Lowercase hex SHA-256 of data into hex (65 bytes). */
void sigv4_sha256_hex(const void *data, size_t len, char hex[65]);

/* The percent-encoding SigV4 wants is RFC 3986's: base/percent.h. */

#endif
