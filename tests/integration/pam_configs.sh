#!/usr/bin/env bash
# The shipped pam-auth-update profile (conf/pam-configs/iam-login) run through the
# real pam-auth-update in a private mount namespace (its own /etc/pam.d,
# /usr/share/pam-configs and /var/lib/pam): pam_iam lands first in the primary
# auth (inside pam_faillock) and account blocks and in session, and the
# generated files parse.
source "$(dirname "$0")/../lib/tap.sh"

if [ "$(id -u)" != 0 ] || ! command -v pam-auth-update >/dev/null; then
	skip "pam-auth-update profile" "needs root and pam-auth-update"
	exit 0
fi
if [ -z "${IN_PAM_NS:-}" ]; then
	exec env IN_PAM_NS=1 unshare -m --propagation private bash "$0" "$@"
fi
T=$(mktemp -d -t pam-configs.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/pc" "$T/pd" "$T/var"
cp -a /usr/share/pam-configs/. "$T/pc/"
cp "$TOP/conf/pam-configs/iam-login" "$T/pc/"
cp -a /etc/pam.d/. "$T/pd/"
[ -d /var/lib/pam ] && cp -a /var/lib/pam/. "$T/var/"
mount --bind "$T/pc" /usr/share/pam-configs && mount --bind "$T/pd" /etc/pam.d &&
	mkdir -p /var/lib/pam && mount --bind "$T/var" /var/lib/pam || { not_ok "private mounts"; exit 1; }
# The built module where libpam looks for it, in a private copy of the security dir.
SECDIR=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/security
mkdir -p "$T/sec" && cp -a "$SECDIR/." "$T/sec/" && cp "$BUILD/pam_iam.so" "$T/sec/" &&
	mount --bind "$T/sec" "$SECDIR" || { not_ok "private security dir"; exit 1; }

check "pam-auth-update --enable iam-login" env DEBIAN_FRONTEND=noninteractive pam-auth-update --enable iam-login --force
rules() { grep -Ev '^(#|$)' "/etc/pam.d/$1" | tr -s ' \t' '  ' | sed 's/ $//'; }
# pam_faillock around pam_iam (issue 8 finding 2): preauth refuses a locked
# account, a wrong code counts (authfail, then die), a good one clears the tally
# and jumps past pam_unix and pam_deny; PAM_IGNORE skips both faillock steps.
check_eq "common-auth: pam_faillock preauth first" "auth requisite pam_faillock.so preauth" "$(rules common-auth | sed -n 1p)"
check_eq "common-auth: pam_iam: success to authsucc, ignore past faillock to pam_unix" \
	"auth [success=1 ignore=2 default=bad] pam_iam.so tell_silent" "$(rules common-auth | sed -n 2p)"
check_eq "common-auth: a refused code is counted and ends the stack" "auth [default=die] pam_faillock.so authfail" "$(rules common-auth | sed -n 3p)"
check_eq "common-auth: authsucc jumps past pam_unix and pam_deny" "auth [success=2 default=ignore] pam_faillock.so authsucc" "$(rules common-auth | sed -n 4p)"
check_match "common-auth: pam_unix follows for local users" "^auth \[success=1 default=ignore\] pam_unix.so" "$(rules common-auth | sed -n 5p)"
check_eq "common-auth: then pam_deny" "auth requisite pam_deny.so" "$(rules common-auth | sed -n 6p)"
check_eq "common-account: pam_iam first" \
	"account [success=2 ignore=ignore default=die] pam_iam.so" "$(rules common-account | head -1)"
check_match "common-session: pam_iam optional" "session optional pam_iam.so" "$(rules common-session)"
check "pamtester runs the generated account stack (local root: pam_iam ignores it)" pamtester login root acct_mgmt
check "pam-auth-update --remove iam-login" env DEBIAN_FRONTEND=noninteractive pam-auth-update --remove iam-login --force
check_nomatch "after --remove no pam_iam line is left" "pam_iam" "$(for f in common-auth common-account common-session common-session-noninteractive common-password; do rules $f; done)"
[ "$TAP_FAILED" -eq 0 ]
