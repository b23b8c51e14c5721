/*
 * LD_PRELOAD shim for tests: syslog lines go to the file named by
 * $SYSLOG_CAPTURE (appended, one line each: "<facility|priority> message")
 * instead of /dev/log, which test machines may not have. Lets PAM tests assert
 * on pam_iam's audit lines. Never used outside tests.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

void openlog(const char *ident, int option, int facility);
void closelog(void);
void syslog(int prio, const char *fmt, ...);
void vsyslog(int prio, const char *fmt, va_list ap);
void __syslog_chk(int prio, int flag, const char *fmt, ...);
void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap);

static int default_facility = LOG_USER;
static char capture_path[4096];

/*
 * Read the path at load time: some callers empty their environment later
 * (OpenSSH's PAM child sets environ[0] = NULL before pam_authenticate).
 */
__attribute__((constructor)) static void capture_init(void)
{
	const char *p = getenv("SYSLOG_CAPTURE");

	if (p)
		snprintf(capture_path, sizeof(capture_path), "%s", p);
}

void openlog(const char *ident, int option, int facility)
{
	(void)ident;
	(void)option;
	if (facility)
		default_facility = facility;
}

void closelog(void)
{
}

void vsyslog(int prio, const char *fmt, va_list ap)
{
	const char *path = capture_path[0] ? capture_path : NULL;
	char line[4096];
	int n, fd;

	if (!path)
		return;
	if (!(prio & LOG_FACMASK))
		prio |= default_facility;
	n = snprintf(line, sizeof(line), "<%d> ", prio);
	if (n < 0)
		return;
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) < 0) {
		/* nothing to do in a log shim */
	}
	close(fd);
}

void syslog(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	vsyslog(prio, fmt, ap);
}

void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;
	(void)flag;
	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}
