/* iam-login doctor: checks that each print one line "ok|WARN|FAIL|hint  text". */
#ifndef IAM_LOGIN_DOCTOR_H
#define IAM_LOGIN_DOCTOR_H

#include <stdbool.h>

struct iam_config;

struct doctor {
	int failures;
	int warnings;
	const char *sshd;	 /* sshd binary, default /usr/sbin/sshd */
	const char *sshd_config; /* default /etc/ssh/sshd_config */
	const char *sudoers_dir; /* default /etc/sudoers.d */
	const char *pam_dir;	 /* default /etc/pam.d */
};

void doctor_report(struct doctor *d, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Does path have a line, not a comment, that starts with key ("" for any) and
 * names word (a whole word, or a path ending in /word)? With depth > 0, an
 * "@include NAME" line reads the sibling file NAME too, depth levels down.
 */
bool doctor_file_has(const char *path, const char *key, const char *word, int depth);

/*
 * sshd as it will really run (sshd -T, and -C for a local and an IAM user):
 * the key command is set, IAM users are asked for the MFA methods, and no
 * local account with authorized_keys is locked out by them. Root only.
 */
void doctor_check_sshd(struct doctor *d, const struct iam_config *cfg);

/* The PAM stacks the shipped sshd/sudo files rely on actually hold pam_iam. */
void doctor_check_pam(struct doctor *d);

/* The sudoers drop-in: mode 0440, root's (visudo -c refuses anything else). */
void doctor_check_sudoers(struct doctor *d);

#endif
