/* The one scratch file of a fuzz process, rewritten per input. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

const char *fuzz_write_file(const uint8_t *data, size_t size)
{
	static char path[512];
	const char *d = getenv("TMPDIR");
	int fd;

	if (!path[0])
		snprintf(path, sizeof(path), "%s/iam-fuzz.%d", d && *d ? d : "/tmp", (int)getpid());
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	close(fd);
	return path;
}
