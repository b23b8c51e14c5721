/* Audit and diagnostic logging. Libraries return errors; callers decide to log. */
#ifndef IAM_LOG_H
#define IAM_LOG_H

#include <stddef.h>
#include <syslog.h>

/*
 * One audit line to syslog (LOG_AUTHPRIV facility) at priority prio. Every
 * decision that lets someone in or keeps them out goes through here. Strings
 * that came from outside must first pass log_clean().
 */
void log_audit(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Copy src into dst (size n, always NUL-terminated), replacing control and
 * non-ASCII bytes, '"' and '\\' with '?', so hostile input cannot forge log
 * lines or close a quoted field. Returns dst.
 */
char *log_clean(char *dst, size_t n, const char *src);

#endif
