/*
 * Buffers that grow while holding secrets must not leave them in heap blocks
 * they give up: file_read_bounded (usersfile, AWS credential files) and the
 * HTTP answer buffer (IMDS, container and STS credentials).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/file.h"
#include "aws/http.h"
#include "testutil.h"
#include "base/wipe.h"

#define MARKER "SECRET-MARKER-0123456789abcdef"

/* Set when a block handed to realloc still held MARKER as it was given up. */
static int marker_in_released_block;

/*
 * This program's realloc (the static archives in build/lib bind to it): always
 * moves, and checks what the old block held before freeing it.
 */
void *realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	old = malloc_usable_size(p);
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	if (memmem(p, old, MARKER, strlen(MARKER)))
		marker_in_released_block = 1;
	free(p);
	return q;
}

static void write_big_file(const char *path, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char block[1024];

	assert_true(fd >= 0);
	assert_int_equal(write(fd, MARKER "\n", strlen(MARKER) + 1), (ssize_t)strlen(MARKER) + 1);
	memset(block, 'x', sizeof(block));
	for (size_t done = 0; done < size; done += sizeof(block))
		assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
	close(fd);
}

static void test_read_grows_without_leaving_content(void **state)
{
	char *path = tu_mkstemp_text("test_file", "", 0600);
	char *data = NULL;
	size_t len = 0;

	(void)state;
	/* several times the first 4 KiB buffer: the buffer grows at least twice */
	write_big_file(path, 20 * 1024);
	marker_in_released_block = 0;
	assert_int_equal(file_read_bounded(path, 1 << 20, &data, &len), 0);
	assert_int_equal(len, strlen(MARKER) + 1 + 20 * 1024);
	assert_memory_equal(data, MARKER "\n", strlen(MARKER) + 1);
	assert_int_equal(marker_in_released_block, 0);
	wipe_free(data, len);

	/* too large: -EFBIG, and nothing of it left behind either */
	marker_in_released_block = 0;
	assert_int_equal(file_read_bounded(path, 8 * 1024, &data, &len), -EFBIG);
	assert_int_equal(marker_in_released_block, 0);
	unlink(path);
	free(path);
}

#define HTTP_BODY (20 * 1024)

/* Answer one request with MARKER and HTTP_BODY more bytes. */
static void *serve_once(void *arg)
{
	int lfd = *(int *)arg, c = accept(lfd, NULL, NULL);
	char req[4096], hdr[128];
	static char body[HTTP_BODY + sizeof(MARKER)];

	if (c < 0)
		return NULL;
	(void)!recv(c, req, sizeof(req), 0);
	memcpy(body, MARKER, strlen(MARKER));
	memset(body + strlen(MARKER), 'x', sizeof(body) - strlen(MARKER));
	snprintf(hdr, sizeof(hdr),
		 "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		 sizeof(body));
	(void)!send(c, hdr, strlen(hdr), MSG_NOSIGNAL);
	(void)!send(c, body, sizeof(body), MSG_NOSIGNAL);
	close(c);
	return NULL;
}

static void test_http_answer_grows_without_leaving_content(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	struct http_response resp;
	struct http_request req = {.method = "GET", .timeout_ms = 5000, .connect_timeout_ms = 2000};
	char url[64];
	pthread_t t;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/creds", ntohs(sa.sin_port));
	req.url = url;
	assert_int_equal(pthread_create(&t, NULL, serve_once, &lfd), 0);
	assert_int_equal(http_global_init(), 0);
	memset(&resp, 0, sizeof(resp));
	marker_in_released_block = 0;
	assert_int_equal(http_perform(&req, &resp), 0);
	pthread_join(t, NULL);
	close(lfd);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.len, HTTP_BODY + sizeof(MARKER));
	assert_memory_equal(resp.body, MARKER, strlen(MARKER));
	assert_int_equal(marker_in_released_block, 0);
	wipe_free(resp.body, resp.len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_grows_without_leaving_content),
	    cmocka_unit_test(test_http_answer_grows_without_leaving_content),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
