/*
 * aws_query against an in-process HTTP server with scripted answers: signing
 * headers, AWS error parsing and errno mapping, which answers are retried,
 * response size bound, deadline, endpoint policy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/aws.h"
#include "config/config.h"
#include "aws/http.h"

#define MAX_SCRIPT 16

struct answer {
	int status;
	const char *body;
	size_t big; /* when > 0: send this many 'x' bytes as the body */
	int delay_ms;
};

static struct {
	pthread_mutex_t lock;
	int fd;
	int port;
	struct answer script[MAX_SCRIPT];
	size_t nscript, next;
	char last_request[16384];
	unsigned requests;
} srv = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void script(size_t n, const struct answer *a)
{
	pthread_mutex_lock(&srv.lock);
	memcpy(srv.script, a, n * sizeof(*a));
	srv.nscript = n;
	srv.next = 0;
	srv.requests = 0;
	srv.last_request[0] = '\0';
	pthread_mutex_unlock(&srv.lock);
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(srv.fd, NULL, NULL);
		char buf[16384], hdr[256];
		size_t got = 0;
		struct answer a = {500, "<x/>", 0, 0};
		char *end;

		if (c < 0)
			continue;
		/* read headers and the Content-Length body */
		for (;;) {
			ssize_t r = recv(c, buf + got, sizeof(buf) - 1 - got, 0);
			if (r <= 0)
				break;
			got += (size_t)r;
			buf[got] = '\0';
			end = strstr(buf, "\r\n\r\n");
			if (end) {
				char *cl = strcasestr(buf, "Content-Length:");
				size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
				if (got >= (size_t)(end + 4 - buf) + want)
					break;
			}
		}
		pthread_mutex_lock(&srv.lock);
		memcpy(srv.last_request, buf, got + 1);
		srv.requests++;
		if (srv.next < srv.nscript)
			a = srv.script[srv.next++];
		pthread_mutex_unlock(&srv.lock);
		if (a.delay_ms)
			usleep((useconds_t)a.delay_ms * 1000);
		if (a.big) {
			char *b = malloc(a.big);
			memset(b, 'x', a.big);
			snprintf(
			    hdr, sizeof(hdr),
			    "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			    a.status, a.big);
			send_all(c, hdr, strlen(hdr));
			send_all(c, b, a.big);
			free(b);
		} else {
			snprintf(hdr, sizeof(hdr),
				 "HTTP/1.1 %d X\r\nContent-Type: text/xml\r\nContent-Length: "
				 "%zu\r\nConnection: close\r\n\r\n",
				 a.status, strlen(a.body));
			send_all(c, hdr, strlen(hdr));
			send_all(c, a.body, strlen(a.body));
		}
		close(c);
	}
	return NULL;
}

static struct iam_config cfg;
static char url[64];

static int setup(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	pthread_t t;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(srv.fd, 16) < 0)
		return -1;
	getsockname(srv.fd, (struct sockaddr *)&sa, &sl);
	srv.port = ntohs(sa.sin_port);
	pthread_create(&t, NULL, serve, NULL);
	pthread_detach(t);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv.port);
	if (config_defaults(&cfg) < 0)
		return -1;
	free(cfg.iam_endpoint);
	free(cfg.sts_endpoint);
	cfg.iam_endpoint = strdup(url);
	cfg.sts_endpoint = strdup(url);
	cfg.timeout_ms = 5000;
	cfg.connect_timeout_ms = 1000;
	cfg.max_retries = 3;
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
	setenv("AWS_SESSION_TOKEN", "session-token-example", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	config_free(&cfg);
	close(srv.fd);
	return 0;
}

static const char *const LIST_USERS[] = {"Action", "ListUsers", "Version", "2010-05-08",
					 "Marker", "a+b/c= d",	NULL};

static struct aws_client *client(void)
{
	struct aws_client *c = NULL;
	struct aws_error err;

	assert_int_equal(aws_client_new(&cfg, 0, &c, &err), 0);
	return c;
}

static void test_success_and_signing(void **state)
{
	const struct answer a[] = {{200, "<ListUsersResponse><ok/></ListUsersResponse>", 0, 0}};
	struct aws_client *c = client();
	struct aws_error err;
	char *body = NULL, host[64];
	size_t len = 0;

	(void)state;
	script(1, a);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, &len, &err), 0);
	assert_string_equal(body, "<ListUsersResponse><ok/></ListUsersResponse>");
	assert_int_equal(len, strlen(body));
	free(body);
	assert_non_null(strstr(srv.last_request, "POST / HTTP/1.1\r\n"));
	snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%d\r\n", srv.port);
	assert_non_null(strstr(srv.last_request, host));
	assert_non_null(strstr(srv.last_request, "Authorization: AWS4-HMAC-SHA256 "
						 "Credential=AKIDEXAMPLE/"));
	assert_non_null(strstr(srv.last_request,
			       "/us-east-1/iam/aws4_request, SignedHeaders="
			       "content-type;host;x-amz-date;x-amz-security-token, "
			       "Signature="));
	assert_non_null(
	    strstr(srv.last_request, "\r\nX-Amz-Security-Token: session-token-example"));
	assert_non_null(strstr(srv.last_request, "\r\n\r\nAction=ListUsers&Version=2010-05-08&"
						 "Marker=a%2Bb%2Fc%3D%20d"));
	/* STS signs in the configured region with service "sts" */
	script(1, a);
	assert_int_equal(aws_query(c, AWS_SVC_STS, LIST_USERS, &body, &len, &err), 0);
	free(body);
	assert_non_null(strstr(srv.last_request, "/us-east-1/sts/aws4_request"));
	assert_int_equal(aws_client_stats(c)->requests, 2);
	assert_int_equal(aws_client_stats(c)->retries, 0);
	assert_null(aws_client_assumed_role_arn(c));
	aws_client_free(c);
}

static void test_errors_mapped(void **state)
{
	const struct answer denied[] = {
	    {403,
	     "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
	     "<Type>Sender</Type><Code>AccessDenied</Code><Message>User: x is not "
	     "authorized\nforged: "
	     "line</Message></Error><RequestId>rid-1</RequestId></ErrorResponse>",
	     0, 0}};
	const struct answer nse[] = {
	    {404,
	     "<ErrorResponse><Error><Code>NoSuchEntity</Code><Message>The user with name "
	     "bob cannot be found.</Message></Error><RequestId>rid-2</RequestId></ErrorResponse>",
	     0, 0}};
	const struct answer other[] = {
	    {400,
	     "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>bad"
	     "</Message></Error></Errors><RequestID>rid-3</RequestID></Response>",
	     0, 0}};
	struct aws_client *c = client();
	struct aws_error err;
	char *body = NULL, s[700];

	(void)state;
	script(1, denied);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), -EACCES);
	assert_null(body);
	assert_string_equal(err.code, "AccessDenied");
	assert_string_equal(err.message,
			    "User: x is not authorized forged: line"); /* no line break */
	assert_string_equal(err.request_id, "rid-1");
	assert_int_equal(err.http_status, 403);
	assert_string_equal(
	    aws_error_str(&err, s, sizeof(s)),
	    "AccessDenied: User: x is not authorized forged: line (HTTP 403, RequestId "
	    "rid-1)");
	assert_int_equal(srv.requests, 1); /* a 4xx is never retried */

	script(1, nse);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), -ENOENT);
	assert_string_equal(err.code, "NoSuchEntity");
	assert_int_equal(srv.requests, 1);

	script(1, other);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), -EIO);
	assert_string_equal(err.code, "InvalidParameterValue");
	assert_string_equal(err.request_id, "rid-3");
	assert_int_equal(srv.requests, 1);
	aws_client_free(c);
}

static void test_retries(void **state)
{
	const struct answer flaky[] = {
	    {500, "<html/>", 0, 0},
	    {503, "oops", 0, 0},
	    {200, "<R/>", 0, 0},
	};
	const char *thr = "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded"
			  "</Message></Error><RequestId>t</RequestId></ErrorResponse>";
	const struct answer throttled[] = {{400, thr, 0, 0},
					   {400, thr, 0, 0},
					   {400, thr, 0, 0},
					   {400, thr, 0, 0},
					   {200, "<R/>", 0, 0}};
	const struct answer hostile[] = {
	    {400, "<!DOCTYPE x [<!ENTITY a \"Throttling\">]><E><Error><Code>&a;</Code></Error></E>",
	     0, 0}};
	struct aws_client *c = client();
	struct aws_error err;
	char *body = NULL;

	(void)state;
	script(3, flaky);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), 0);
	assert_string_equal(body, "<R/>");
	free(body);
	assert_int_equal(srv.requests, 3);
	assert_int_equal(aws_client_stats(c)->retries, 2);

	/* max_retries = 3: four attempts, all throttled; gives up with IAM's error */
	script(5, throttled);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), -EIO);
	assert_string_equal(err.code, "Throttling");
	assert_non_null(strstr(err.message, "Rate exceeded"));
	assert_non_null(strstr(err.message, "gave up after 4 attempts"));
	assert_int_equal(srv.requests, 4);
	assert_int_equal(aws_client_stats(c)->throttled, 4);

	/* an error document with a DOCTYPE is not parsed (and so not retried) */
	script(1, hostile);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), -EIO);
	assert_string_equal(err.code, "HTTP400");
	assert_int_equal(srv.requests, 1);
	aws_client_free(c);
}

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_deadline_and_size(void **state)
{
	const struct answer slow[] = {{200, "<R/>", 0, 3000}};
	const struct answer big[] = {{200, NULL, 17u * 1024 * 1024, 0}};
	struct aws_client *c;
	struct aws_error err;
	char *body = NULL;
	long t0, took;

	(void)state;
	cfg.timeout_ms = 800;
	c = client();
	script(1, slow);
	t0 = mono_ms();
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), -ETIMEDOUT);
	took = mono_ms() - t0;
	assert_string_equal(err.code, "Timeout");
	assert_in_range(took, 700, 1500);
	aws_client_free(c);
	cfg.timeout_ms = 5000;
	usleep(2500 * 1000); /* let the slow answer drain */

	c = client();
	script(1, big);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), -E2BIG);
	assert_null(body);
	assert_string_equal(err.code, "ResponseTooLarge");
	aws_client_free(c);
}

static void test_transport_error(void **state)
{
	struct iam_config bad = cfg;
	struct aws_client *c = NULL;
	struct aws_error err;
	char *body = NULL;
	int s = socket(AF_INET, SOCK_STREAM, 0), port;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	char u[64];

	(void)state;
	/* a port that was free a moment ago: connection refused */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(s, (struct sockaddr *)&sa, &sl);
	port = ntohs(sa.sin_port);
	close(s);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d", port);
	bad.iam_endpoint = u;
	assert_int_equal(aws_client_new(&bad, 0, &c, &err), 0);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), -EIO);
	assert_string_equal(err.code, "Transport");
	assert_int_equal(err.http_status, 0);
	assert_int_equal(aws_client_stats(c)->requests, 4); /* retried: 1 + max_retries */
	aws_client_free(c);
}

static void test_endpoint_policy(void **state)
{
	struct iam_config bad = cfg;
	struct aws_client *c = NULL;
	struct aws_error err;
	struct iam_err why;

	(void)state;
	bad.iam_endpoint = "http://iam.example.com";
	assert_int_equal(aws_client_new(&bad, 0, &c, &err), -EINVAL);
	assert_null(c);
	assert_string_equal(err.code, "InvalidConfig");
	assert_non_null(strstr(err.message, "loopback"));
	bad.iam_endpoint = url;
	bad.sts_endpoint = "ftp://127.0.0.1/";
	assert_int_equal(aws_client_new(&bad, 0, &c, &err), -EINVAL);

	assert_int_equal(http_endpoint_ok("https://iam.amazonaws.com", false, &why), 0);
	assert_int_equal(http_endpoint_ok("http://127.0.0.1:5000", false, &why), 0);
	assert_int_equal(http_endpoint_ok("http://127.8.9.10", false, &why), 0);
	assert_int_equal(http_endpoint_ok("http://[::1]:80/", false, &why), 0);
	assert_int_equal(http_endpoint_ok("http://localhost:80/", false, &why), 0);
	assert_int_equal(http_endpoint_ok("http://128.0.0.1", false, &why), -EINVAL);
	assert_int_equal(http_endpoint_ok("http://127.0.0.1.evil.com", false, &why), -EINVAL);
	assert_int_equal(http_endpoint_ok("http://169.254.169.254", false, &why), -EINVAL);
	assert_int_equal(http_endpoint_ok("http://169.254.169.254", true, &why), 0);
	assert_int_equal(http_endpoint_ok("file:///etc/passwd", true, &why), -EINVAL);
	assert_int_equal(http_endpoint_ok("not a url", true, &why), -EINVAL);
}

static void test_no_credentials(void **state)
{
	struct aws_client *c = NULL;
	struct aws_error err;

	(void)state;
	unsetenv("AWS_ACCESS_KEY_ID");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	assert_int_equal(aws_client_new(&cfg, 0, &c, &err), -ENOKEY);
	assert_string_equal(err.code, "NoCredentials");
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
}

/* Temporary credentials are reused until shortly before they expire, then renewed. */
static void test_credential_renewal(void **state)
{
	char soon[512], later[512], exp[32], curl_url_s[96];
	struct answer a[5];
	struct aws_client *c = NULL;
	struct aws_error err;
	char *body = NULL;
	time_t t;

	(void)state;
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent", 1);
	snprintf(curl_url_s, sizeof(curl_url_s), "%s/creds", url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", curl_url_s, 1);

	/* expires in 60 s: inside the renewal margin, so every call renews */
	t = time(NULL) + 60;
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	snprintf(soon, sizeof(soon),
		 "{\"AccessKeyId\":\"ASIASOON\",\"SecretAccessKey\":\"s\",\"Token\":\"t\","
		 "\"Expiration\":\"%s\"}",
		 exp);
	/* client creation fetches; each call finds them expiring and fetches again */
	a[0] = (struct answer){200, soon, 0, 0};
	a[1] = (struct answer){200, soon, 0, 0};
	a[2] = (struct answer){200, "<R/>", 0, 0};
	a[3] = (struct answer){200, soon, 0, 0};
	a[4] = (struct answer){200, "<R/>", 0, 0};
	script(5, a);
	assert_int_equal(aws_client_new(&cfg, 0, &c, &err), 0);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), 0);
	free(body);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), 0);
	free(body);
	assert_int_equal(srv.requests, 5);
	assert_non_null(strstr(srv.last_request, "Credential=ASIASOON/"));
	aws_client_free(c);

	/* expires in an hour: fetched once, reused */
	t = time(NULL) + 3600;
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	snprintf(later, sizeof(later),
		 "{\"AccessKeyId\":\"ASIALATER\",\"SecretAccessKey\":\"s\",\"Token\":\"t\","
		 "\"Expiration\":\"%s\"}",
		 exp);
	a[0] = (struct answer){200, later, 0, 0};
	a[1] = (struct answer){200, "<R/>", 0, 0};
	a[2] = (struct answer){200, "<R/>", 0, 0};
	script(3, a);
	assert_int_equal(aws_client_new(&cfg, 0, &c, &err), 0);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), 0);
	free(body);
	assert_int_equal(aws_query(c, AWS_SVC_IAM, LIST_USERS, &body, NULL, &err), 0);
	free(body);
	assert_int_equal(srv.requests, 3);
	assert_non_null(strstr(srv.last_request, "Credential=ASIALATER/"));
	assert_non_null(strstr(srv.last_request, "X-Amz-Security-Token: t\r\n"));
	aws_client_free(c);

	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
	setenv("AWS_SESSION_TOKEN", "session-token-example", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_success_and_signing),
	    cmocka_unit_test(test_errors_mapped),
	    cmocka_unit_test(test_retries),
	    cmocka_unit_test(test_deadline_and_size),
	    cmocka_unit_test(test_transport_error),
	    cmocka_unit_test(test_endpoint_policy),
	    cmocka_unit_test(test_no_credentials),
	    cmocka_unit_test(test_credential_renewal),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
