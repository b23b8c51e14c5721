/* iam-login mfa: enrol, inspect and remove users' TOTP secrets on this host. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "aws/aws.h"
#include "commands.h"
#include "config/config.h"
#include "base/file.h"
#include "iam/iam_api.h"
#include "base/log.h"
#include "mfa_cli.h"
#include "mfa_qr.h"
#include "snapshot/snapshot_reader.h"
#include "mfa/totp.h"
#include "mfa/otpauth.h"
#include "base/base32.h"
#include "mfa/usersfile.h"
#include "base/wipe.h"

static const char mfa_help[] =
    "Usage: iam-login mfa enroll USER [--no-confirm] [--no-qr] [--force] [--iam]\n"
    "                             [--issuer NAME]\n"
    "       iam-login mfa status USER [--iam]\n"
    "       iam-login mfa remove USER\n"
    "       iam-login mfa migrate USER\n"
    "       iam-login mfa enroll --fleet USER | --self [USER] [--store s3://B/P]\n"
    "                            [--kms-key KEY] [enroll options]\n"
    "       iam-login mfa remove --fleet USER | --self\n"
    "       iam-login mfa pull [--quiet]\n"
    "\n"
    "Manage the TOTP secrets pam_iam(8) checks. Secrets live in the [mfa] usersfile\n"
    "(default /etc/iam-login/totp.users), liboath's usersfile format, which must be\n"
    "owned by root with mode 0600; liboath records each accepted code there, so a\n"
    "code cannot be used twice.\n"
    "\n"
    "enroll USER\n"
    "  USER must be an IAM user in this host's directory snapshot (run 'iam-login\n"
    "  sync' first). Makes a new 160-bit secret with the kernel's RNG, prints the\n"
    "  otpauth:// URI on its own line on standard output and, on a terminal, a QR\n"
    "  code to scan with an authenticator app. It then asks for the code the app\n"
    "  shows (not echoed on a terminal) and stores the secret only when that code\n"
    "  is right. The usersfile is replaced atomically; other users' lines are kept.\n"
    "\n"
    "  --no-confirm   store at once without asking for a code (scripted enrolment;\n"
    "                 take the secret from the printed URI)\n"
    "  --no-qr        do not draw the QR code (never drawn when stdout is not a tty)\n"
    "  --force        replace an existing secret (otherwise enroll refuses)\n"
    "  --issuer NAME  the issuer shown in the app (default: [mfa] issuer)\n"
    "  --iam          create an IAM virtual MFA device named after the IAM user\n"
    "                 (CreateVirtualMFADevice), enable it for that user\n"
    "                 (EnableMFADevice, with two consecutive codes computed from its\n"
    "                 seed) and store the same seed here, so one authenticator entry\n"
    "                 serves the AWS console and this host. Needs credentials allowed\n"
    "                 to call iam:CreateVirtualMFADevice and iam:EnableMFADevice\n"
    "                 (an administrator's, not the host's). Codes are 6 digits, 30 s.\n"
    "\n"
    "status USER\n"
    "  Whether USER has a secret on this host, its digits and step, and when a code\n"
    "  was last accepted. Never prints the secret. With --iam, also lists the MFA\n"
    "  devices IAM has for the user (iam:ListMFADevices).\n"
    "  Exit status: 0 enrolled, 3 not enrolled, 1 error.\n"
    "\n"
    "remove USER\n"
    "  Delete USER's secret from the usersfile (works for users no longer in IAM).\n"
    "  IAM MFA devices are not touched.\n"
    "\n"
    "migrate USER\n"
    "  Secrets are keyed by the IAM UserId, so a renamed user keeps theirs and a new\n"
    "  user under an old name gets nothing. Older versions keyed them by Linux name;\n"
    "  pam_iam ignores such a line. migrate re-keys USER's line to the UserId this\n"
    "  host's snapshot gives USER, keeping the secret and its replay state. Run it\n"
    "  once per enrolled user after upgrading; running it again changes nothing.\n"
    "\n"
    "Fleet MFA (one enrolment for every host):\n"
    "enroll --fleet USER\n"
    "  An administrator (conf/iam-policy-mfa-admin.json) enrols IAM user USER once:\n"
    "  the secret goes to s3://BUCKET/PREFIX/mfa/USER (the [publish] destination or\n"
    "  [directory] source, or --store), SSE-KMS with [mfa] fleet_kms_key (or\n"
    "  --kms-key), together with USER's immutable UserId (iam:GetUser). URI, QR code,\n"
    "  confirmation and --iam work as above. An existing enrolment is replaced only\n"
    "  with --force (the PUT is create-only otherwise).\n"
    "enroll --self\n"
    "  The same, by the user, from any machine, with their own IAM credentials\n"
    "  (sts:GetCallerIdentity names them; conf/iam-policy-mfa-self.json lets a user\n"
    "  write only mfa/${aws:username}, and only in an MFA-authenticated session).\n"
    "remove --fleet USER | --self\n"
    "  Delete the enrolment object; hosts drop the secret after the next publish and\n"
    "  pull.\n"
    "pull\n"
    "  Root only. Fetch PREFIX/mfa.bundle (conditional GET: unchanged is one 304),\n"
    "  verify its signature ([directory] signing_public_key), account, generation (no\n"
    "  rollback) and age, and install it into the usersfile: an unchanged secret keeps\n"
    "  its line and replay state, a user gone from the bundle loses theirs. Users\n"
    "  enrolled only on this host are kept. Records what it installed in\n"
    "  <usersfile>.fleet (no secret). Run it from a root timer after each sync.\n"
    "\n"
    "Cross-host replay guard: with [mfa] replay_table = TABLE, pam_iam records each\n"
    "accepted code's time step in DynamoDB (one item per UserId, a conditional update\n"
    "that only raises it), through 'iam-login mfa guard' in a child killed after 2 s:\n"
    "a code used on one host is refused on all others. DynamoDB unreachable:\n"
    "replay_guard_failure = local (default: this host's replay state only, logged) or\n"
    "deny (IAM users are refused; local users are never affected).\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage error (status: 3 not enrolled).\n"
    "Example:\n"
    "  iam-login mfa enroll alice\n"
    "  iam-login mfa enroll alice --no-confirm --no-qr | grep ^otpauth://\n";

/* The usersfile could not be read (r < 0): say why, and what EPERM and
 * EUCLEAN ask of the administrator. */
static void usersfile_error(const char *path, int r)
{
	fprintf(stderr, "iam-login mfa: %s: %s%s\n", path, strerror(-r),
		r == -EPERM	? " (must be a regular file owned by root, mode 0600)"
		: r == -EUCLEAN ? " (damaged: it holds a byte iam-login never writes, such as "
				  "a NUL or a carriage return; nobody can log in with a code "
				  "until it is fixed or restored by hand)"
				: "");
}

/* Look user up in the snapshot; prints why not. */
static int find_iam_user(const struct iam_config *cfg, const char *user, struct snap **snap,
			 struct snap_user *u)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, IAM_SNAPSHOT_NAME);
	r = snap_open(path, snap);
	if (r < 0) {
		fprintf(stderr, "iam-login mfa: cannot read the directory snapshot %s: %s%s\n",
			path, strerror(-r), r == -ENOENT ? " (run 'iam-login sync')" : "");
		return r;
	}
	r = snap_user_by_name(*snap, user, u);
	if (r < 0) {
		char clean[80];
		fprintf(stderr, "iam-login mfa: %s is not an IAM user on this host%s\n",
			log_clean(clean, sizeof(clean), user),
			r == -ENOENT ? "" : " (damaged snapshot entry)");
		snap_close(*snap);
		*snap = NULL;
	}
	return r;
}

/* Read one line from stdin, echo off on a terminal. 0 or -errno. */
static int read_code(const char *prompt, char *buf, size_t n)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	char *ok;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	ok = fgets(buf, (int)n, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!ok)
		return -EIO;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* Show the URI (stdout, own line) and the QR code; ask for a code unless told not to. */
int mfa_show_and_confirm(const struct enroll_opts *o, const char *issuer, const char *label,
			 const unsigned char *secret, size_t len, unsigned digits, unsigned period,
			 unsigned window)
{
	char *b32 = NULL, *uri = NULL;
	char code[64];
	int r;

	r = base32_encode(secret, len, &b32);
	if (r == 0)
		r = otpauth_uri(issuer, label, b32, digits, period, &uri);
	wipe_free_str(b32);
	if (r < 0) {
		fprintf(stderr, "iam-login mfa: cannot build the otpauth URI: %s\n", strerror(-r));
		return r;
	}
	printf("%s\n", uri);
	if (o->qr && isatty(STDOUT_FILENO)) {
		putchar('\n');
		if (mfa_qr_print(stdout, uri) < 0)
			fprintf(stderr, "iam-login mfa: cannot draw the QR code\n");
	}
	fflush(stdout);
	wipe_free_str(uri);
	if (!o->confirm)
		return 0;
	fprintf(stderr, "Scan the code (or add the URI) in an authenticator app.\n");
	r = read_code("Verification code: ", code, sizeof(code));
	if (r == 0)
		r = totp_check_code(secret, len, time(NULL), digits, period, window, code);
	wipe(code);
	if (r < 0) {
		fprintf(stderr, "iam-login mfa: the code does not match; nothing was enrolled\n");
		return -EACCES;
	}
	return 0;
}

/*
 * --iam: IAM makes the seed (CreateVirtualMFADevice); after confirmation the
 * device is enabled with two consecutive codes and the seed is stored here.
 */
int mfa_enroll_iam(const struct iam_config *cfg, const struct enroll_opts *o,
		   const struct snap_user *u, const char *issuer, unsigned char *secret,
		   size_t *len)
{
	struct aws_client *c = NULL;
	struct aws_error err = {0};
	char *serial = NULL, *seed = NULL, ebuf[700];
	char code1[TOTP_MAX_DIGITS + 1], code2[TOTP_MAX_DIGITS + 1];
	time_t now;
	int r;

	r = aws_client_new(cfg, 0, &c, &err);
	if (r < 0) {
		fprintf(stderr, "iam-login mfa: AWS credentials: %s\n",
			aws_error_str(&err, ebuf, sizeof(ebuf)));
		return r;
	}
	r = iam_create_virtual_mfa_device(c, u->iam_name, &serial, &seed, &err);
	if (r < 0) {
		fprintf(stderr, "iam-login mfa: CreateVirtualMFADevice %s: %s\n", u->iam_name,
			aws_error_str(&err, ebuf, sizeof(ebuf)));
		goto out;
	}
	r = base32_decode(seed, secret, TOTP_MAX_SECRET_BYTES, len);
	if (r == 0 && *len < 10)
		r = -EINVAL;
	if (r < 0) {
		fprintf(stderr, "iam-login mfa: IAM returned an unusable seed\n");
		goto out;
	}
	r = mfa_show_and_confirm(o, issuer, u->iam_name, secret, *len, 6, 30, cfg->mfa_window);
	if (r < 0) {
		fprintf(stderr,
			"iam-login mfa: the IAM device %s was created but not enabled; delete it "
			"with 'aws iam delete-virtual-mfa-device --serial-number %s'\n",
			serial, serial);
		goto out;
	}
	/* Two consecutive codes, as the console asks for: the previous step's and this one's. */
	now = time(NULL);
	r = totp_code_at(secret, *len, now - 30, 6, 30, code1, sizeof(code1));
	if (r == 0)
		r = totp_code_at(secret, *len, now, 6, 30, code2, sizeof(code2));
	if (r == 0)
		r = iam_enable_mfa_device(c, u->iam_name, serial, code1, code2, &err);
	wipe(code1);
	wipe(code2);
	if (r < 0) {
		fprintf(stderr,
			"iam-login mfa: EnableMFADevice %s: %s\n"
			"iam-login mfa: nothing was stored here; delete the unused IAM device with "
			"'aws iam delete-virtual-mfa-device --serial-number %s'\n",
			serial, aws_error_str(&err, ebuf, sizeof(ebuf)), serial);
		goto out;
	}
	fprintf(stderr, "IAM MFA device %s enabled for IAM user %s\n", serial, u->iam_name);
out:
	free(serial);
	wipe_free_str(seed);
	aws_client_free(c);
	return r;
}

static int do_enroll(const struct iam_config *cfg, const char *user, const struct enroll_opts *o)
{
	unsigned char secret[TOTP_MAX_SECRET_BYTES];
	size_t len = TOTP_SECRET_BYTES;
	unsigned digits = cfg->mfa_digits, period = TOTP_DEFAULT_PERIOD;
	const char *issuer = o->issuer ? o->issuer : cfg->mfa_issuer;
	struct usersfile_status st;
	struct snap *snap = NULL;
	struct snap_user u;
	char label[160], host[65] = "";
	int r;

	if (!usersfile_valid_user(user)) {
		fprintf(stderr, "iam-login mfa: not a valid user name\n");
		return 2;
	}
	if (find_iam_user(cfg, user, &snap, &u) < 0)
		return 1;
	/* keyed by the immutable IAM UserId: a rename keeps the enrolment, a new
	 * user under an old name does not inherit it (issue 8 finding 9) */
	r = usersfile_status(cfg->mfa_usersfile, u.iam_id, &st);
	if (r == 0 && !o->force) {
		fprintf(stderr,
			"iam-login mfa: %s already has a secret; use --force to replace it\n",
			user);
		snap_close(snap);
		return 1;
	}
	if (r < 0 && r != -ENOENT) {
		usersfile_error(cfg->mfa_usersfile, r);
		snap_close(snap);
		return 1;
	}
	if (o->iam) {
		digits = 6; /* what IAM virtual devices use */
		r = mfa_enroll_iam(cfg, o, &u, issuer, secret, &len);
	} else {
		r = totp_new_secret(secret, len);
		gethostname(host, sizeof(host) - 1);
		snprintf(label, sizeof(label), "%s@%s", user, host);
		if (r == 0)
			r = mfa_show_and_confirm(o, issuer, label, secret, len, digits, period,
						 cfg->mfa_window);
	}
	if (r == 0) {
		r = usersfile_enrol(cfg->mfa_usersfile, u.iam_id, secret, len, digits, period);
		if (r < 0)
			fprintf(stderr, "iam-login mfa: cannot write %s: %s\n", cfg->mfa_usersfile,
				strerror(-r));
	}
	wipe(secret);
	if (r == 0) {
		log_audit(LOG_NOTICE, "iam-login mfa: enrolled user=%s arn=%s iam_device=%s", user,
			  u.iam_arn ? u.iam_arn : "-", o->iam ? "yes" : "no");
		fprintf(stderr, "%s is enrolled: pam_iam will ask for a code.\n", user);
	}
	snap_close(snap);
	return r == 0 ? 0 : 1;
}

static int list_iam_devices(const struct iam_config *cfg, const char *iam_name)
{
	struct aws_client *c = NULL;
	struct aws_error err = {0};
	struct iam_mfa_device *devs = NULL;
	size_t n = 0;
	char ebuf[700];
	int r = aws_client_new(cfg, 0, &c, &err);

	if (r == 0)
		r = iam_list_mfa_devices(c, iam_name, &devs, &n, &err);
	if (r < 0) {
		fprintf(stderr, "iam-login mfa: ListMFADevices %s: %s\n", iam_name,
			aws_error_str(&err, ebuf, sizeof(ebuf)));
	} else {
		printf("IAM MFA devices: %zu\n", n);
		for (size_t i = 0; i < n; i++)
			printf("  %s\n", devs[i].serial);
	}
	iam_mfa_devices_free(devs, n);
	aws_client_free(c);
	return r;
}

/*
 * status --iam-count: only the number of IAM MFA devices, for pam_iam's
 * iam_mfa_check (which kills us after 3 s; the limits here keep within that).
 */
static int do_iam_count(const struct iam_config *cfg, const char *user)
{
	struct iam_config quick = *cfg; /* shallow: strings stay cfg's */
	struct aws_client *c = NULL;
	struct aws_error err = {0};
	struct iam_mfa_device *devs = NULL;
	struct snap *snap = NULL;
	struct snap_user u;
	size_t n = 0;
	char ebuf[700];
	int r;

	if (find_iam_user(cfg, user, &snap, &u) < 0)
		return 1;
	if (quick.timeout_ms <= 0 || quick.timeout_ms > 2500)
		quick.timeout_ms = 2500;
	if (quick.connect_timeout_ms <= 0 || quick.connect_timeout_ms > 1000)
		quick.connect_timeout_ms = 1000;
	quick.max_retries = 0;
	r = aws_client_new(&quick, 0, &c, &err);
	if (r == 0)
		r = iam_list_mfa_devices(c, u.iam_name, &devs, &n, &err);
	if (r < 0)
		fprintf(stderr, "iam-login mfa: ListMFADevices %s: %s\n", u.iam_name,
			aws_error_str(&err, ebuf, sizeof(ebuf)));
	else
		printf("%zu\n", n);
	iam_mfa_devices_free(devs, n);
	aws_client_free(c);
	snap_close(snap);
	return r < 0 ? 1 : 0;
}

static int do_status(const struct iam_config *cfg, const char *user, bool iam)
{
	struct usersfile_status st;
	struct snap *snap = NULL;
	struct snap_user u;
	char path[PATH_MAX];
	bool in_snap = false;
	int r, rc = 1;

	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, IAM_SNAPSHOT_NAME);
	if (snap_open(path, &snap) == 0 && snap_user_by_name(snap, user, &u) == 0)
		in_snap = true;
	printf("user: %s\n", user);
	printf("IAM: %s\n", in_snap ? (u.iam_arn ? u.iam_arn : "?") : "not in the directory");
	/* not in the directory: a raw key (an old name line, a UserId) may still be shown */
	r = usersfile_status(cfg->mfa_usersfile, in_snap ? u.iam_id : user, &st);
	if (r == -ENOENT && in_snap && usersfile_status(cfg->mfa_usersfile, user, &st) == 0) {
		printf("TOTP: not enrolled (a line keyed by the name %s is ignored: run 'iam-login "
		       "mfa migrate %s')\n",
		       user, user);
		rc = 3;
	} else if (r == 0) {
		printf("TOTP: enrolled (%u digits, %u s steps)\n", st.digits, st.period);
		printf("last code accepted: %s\n", st.last_used[0] ? st.last_used : "never");
		rc = 0;
	} else if (r == -ENOENT) {
		printf("TOTP: not enrolled\n");
		rc = 3;
	} else {
		usersfile_error(cfg->mfa_usersfile, r);
		rc = 1;
	}
	if (iam && in_snap && list_iam_devices(cfg, u.iam_name) < 0 && rc != 1)
		rc = 1;
	if (snap)
		snap_close(snap);
	return rc;
}

/* Re-key USER's line from the Linux name to the IAM UserId (idempotent). */
static int do_migrate(const struct iam_config *cfg, const char *user)
{
	struct snap *snap = NULL;
	struct snap_user u;
	int r;

	if (find_iam_user(cfg, user, &snap, &u) < 0)
		return 1;
	r = usersfile_rekey(cfg->mfa_usersfile, user, u.iam_id);
	if (r == -ENOENT) {
		struct usersfile_status st;
		bool done = usersfile_status(cfg->mfa_usersfile, u.iam_id, &st) == 0;

		printf("%s: %s\n", user,
		       done ? "already keyed by its IAM UserId" : "no secret to migrate");
		snap_close(snap);
		return done ? 0 : 1;
	}
	if (r < 0) {
		fprintf(stderr, "iam-login mfa migrate: %s: %s%s\n", cfg->mfa_usersfile,
			strerror(-r),
			r == -EEXIST ? " (the UserId already has a secret; remove one)" : "");
		snap_close(snap);
		return 1;
	}
	log_audit(LOG_NOTICE, "iam-login mfa: migrated user=%s to its UserId arn=%s", user,
		  u.iam_arn ? u.iam_arn : "-");
	printf("%s: now keyed by IAM UserId %s\n", user, u.iam_id);
	snap_close(snap);
	return 0;
}

static int do_remove(const struct iam_config *cfg, const char *user)
{
	struct snap *snap = NULL;
	struct snap_user u;
	char path[PATH_MAX];
	int r = -ENOENT;

	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, IAM_SNAPSHOT_NAME);
	if (snap_open(path, &snap) == 0 && snap_user_by_name(snap, user, &u) == 0)
		r = usersfile_remove(cfg->mfa_usersfile, u.iam_id);
	/* a user gone from IAM, an old name-keyed line, or a raw UserId */
	if (r == -ENOENT)
		r = usersfile_remove(cfg->mfa_usersfile, user);
	if (snap)
		snap_close(snap);

	if (r == -ENOENT) {
		fprintf(stderr, "iam-login mfa: %s has no secret on this host\n", user);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "iam-login mfa: %s: %s\n", cfg->mfa_usersfile, strerror(-r));
		return 1;
	}
	log_audit(LOG_NOTICE, "iam-login mfa: removed user=%s", user);
	printf("removed the TOTP secret of %s\n", user);
	return 0;
}

int cmd_mfa(int argc, char **argv, const struct cli_ctx *ctx)
{
	static const struct option longopts[] = {{"no-confirm", no_argument, NULL, 'n'},
						 {"no-qr", no_argument, NULL, 'q'},
						 {"force", no_argument, NULL, 'f'},
						 {"iam", no_argument, NULL, 'i'},
						 {"issuer", required_argument, NULL, 's'},
						 {"iam-count", no_argument, NULL, 'c'},
						 {"fleet", no_argument, NULL, 'F'},
						 {"self", no_argument, NULL, 'S'},
						 {"store", required_argument, NULL, 'T'},
						 {"kms-key", required_argument, NULL, 'K'},
						 {"quiet", no_argument, NULL, 'Q'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct enroll_opts o = {.confirm = true, .qr = true};
	bool iam_count = false, quiet = false;
	struct iam_config cfg;
	const char *sub, *user = NULL;
	int c, rc, nargs;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(mfa_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.confirm = false;
			break;
		case 'q':
			o.qr = false;
			break;
		case 'f':
			o.force = true;
			break;
		case 'i':
			o.iam = true;
			break;
		case 's':
			o.issuer = optarg;
			break;
		case 'c':
			iam_count = true;
			break;
		case 'F':
			o.fleet = true;
			break;
		case 'S':
			o.self = true;
			break;
		case 'T':
			o.store = optarg;
			break;
		case 'K':
			o.kms_key = optarg;
			break;
		case 'Q':
			quiet = true;
			break;
		case 'h':
			fputs(mfa_help, stdout);
			return 0;
		default:
			fputs(mfa_help, stderr);
			return 2;
		}
	}
	nargs = argc - 1 - optind;
	if (strcmp(sub, "enroll") != 0 && strcmp(sub, "status") != 0 &&
	    strcmp(sub, "remove") != 0 && strcmp(sub, "migrate") != 0 && strcmp(sub, "pull") != 0 &&
	    strcmp(sub, "guard") != 0) {
		fprintf(stderr, "iam-login mfa: unknown subcommand (enroll, status, remove, "
				"migrate, pull)\n");
		return 2;
	}
	if (o.fleet && o.self) {
		fprintf(stderr, "iam-login mfa %s: --fleet and --self exclude each other\n", sub);
		return 2;
	}
	if ((o.fleet || o.self || o.store || o.kms_key) && strcmp(sub, "enroll") != 0 &&
	    strcmp(sub, "remove") != 0) {
		fprintf(stderr,
			"iam-login mfa %s: --fleet, --self, --store and --kms-key are for "
			"enroll and remove\n",
			sub);
		return 2;
	}
	if ((o.store || o.kms_key) && !o.fleet && !o.self) {
		fprintf(stderr, "iam-login mfa %s: --store and --kms-key need --fleet or --self\n",
			sub);
		return 2;
	}
	if (strcmp(sub, "guard") == 0) {
		if (nargs != 2) {
			fprintf(stderr, "iam-login mfa guard: expected USER_ID STEP\n");
			return 2;
		}
	} else if (strcmp(sub, "pull") == 0) {
		if (nargs != 0) {
			fprintf(stderr, "iam-login mfa pull: takes no USER\n");
			return 2;
		}
	} else if (o.self ? nargs > 1 : nargs != 1) {
		fprintf(stderr, "iam-login mfa %s: expected one USER\n", sub);
		return 2;
	} else if (nargs == 1) {
		user = argv[optind + 1];
	}
	if (strcmp(sub, "enroll") != 0 && (o.force || o.issuer || !o.confirm || !o.qr)) {
		fprintf(stderr, "iam-login mfa %s: option only valid for enroll\n", sub);
		return 2;
	}
	if (iam_count && strcmp(sub, "status") != 0) {
		fprintf(stderr, "iam-login mfa %s: --iam-count is only valid for status\n", sub);
		return 2;
	}
	if (quiet && strcmp(sub, "pull") != 0) {
		fprintf(stderr, "iam-login mfa %s: --quiet is only valid for pull\n", sub);
		return 2;
	}
	if (strcmp(sub, "remove") == 0 && o.iam) {
		fprintf(stderr, "iam-login mfa remove: --iam is not supported\n");
		return 2;
	}
	if (cli_load_config(ctx, &cfg) < 0)
		return 1;
	if (strcmp(sub, "guard") == 0)
		rc = mfa_fleet_guard(&cfg, argv[optind + 1], argv[optind + 2]);
	else if (strcmp(sub, "pull") == 0)
		rc = mfa_fleet_pull(&cfg, quiet);
	else if (strcmp(sub, "enroll") == 0 && (o.fleet || o.self))
		rc = mfa_fleet_enroll(&cfg, user, &o);
	else if (strcmp(sub, "remove") == 0 && (o.fleet || o.self))
		rc = mfa_fleet_remove(&cfg, user, &o);
	else if (strcmp(sub, "enroll") == 0)
		rc = do_enroll(&cfg, user, &o);
	else if (strcmp(sub, "status") == 0 && iam_count)
		rc = do_iam_count(&cfg, user);
	else if (strcmp(sub, "status") == 0)
		rc = do_status(&cfg, user, o.iam);
	else if (strcmp(sub, "migrate") == 0)
		rc = do_migrate(&cfg, user);
	else
		rc = do_remove(&cfg, user);
	config_free(&cfg);
	return rc;
}
