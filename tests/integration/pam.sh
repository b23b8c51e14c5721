#!/usr/bin/env bash
# pam_iam.so through real libpam with pamtester, in a private mount namespace
# whose /etc/pam.d is a test directory. Every auth/account branch: right, wrong,
# replayed and out-of-window codes; no secret under each MFA policy; local users
# untouched (PAM_IGNORE falls through); group gate; stale snapshot; empty,
# oversized and non-digit answers; insecure usersfile; bad module arguments.
# Audit lines are captured with an LD_PRELOAD syslog shim and checked too.
source "$(dirname "$0")/../lib/tap.sh"

if [ "$(id -u)" != 0 ] || ! command -v pamtester >/dev/null || ! command -v oathtool >/dev/null; then
	skip "pam integration" "needs root, pamtester and oathtool"
	exit 0
fi
if [ -z "${IN_PAM_NS:-}" ]; then
	exec env IN_PAM_NS=1 unshare -m --propagation private bash "$0" "$@"
fi

PAM_SO=$BUILD/pam_iam.so
MKSNAP=$BUILD/tests/tools/mksnap
SHIM=$BUILD/tests/tools/syslog_capture.so
for f in "$PAM_SO" "$MKSNAP" "$SHIM"; do
	[ -e "$f" ] || { not_ok "built: $f"; exit 1; }
done

T=$(mktemp -d -t pam-test.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
chmod 0755 "$T"
mkdir -p "$T/state" "$T/stale" "$T/nosnap" "$T/etc" "$T/pam.d"
NOW=$(date +%s)

# alice: admins+devs; bob: devs; carol: no groups, never enrolled; dave: enrolled, devs.
snapdesc() {
	cat <<EOF
account 123456789012
created $1
group iam-admins 250000001 admins AGPAADMINS0000000001 arn:aws:iam::123456789012:group/admins
group iam-devs 250000002 devs AGPADEVS000000000002 arn:aws:iam::123456789012:group/devs
user alice 200000001 200000001 Alice /home/alice /bin/bash alice AIDAALICE00000000001 arn:aws:iam::123456789012:user/alice iam-admins,iam-devs
user bob 200000002 200000002 Bob /home/bob /bin/bash bob AIDABOB0000000000002 arn:aws:iam::123456789012:user/bob iam-devs
user carol 200000003 200000003 Carol /home/carol /bin/bash carol AIDACAROL00000000003 arn:aws:iam::123456789012:user/carol
user dave 200000004 200000004 Dave /home/dave /bin/bash dave AIDADAVE000000000004 arn:aws:iam::123456789012:user/dave iam-devs
EOF
}
snapdesc "$NOW" | "$MKSNAP" - "$T/state" >/dev/null || not_ok "mksnap fresh"
snapdesc $((NOW - 7200)) | "$MKSNAP" - "$T/stale" >/dev/null || not_ok "mksnap stale"

# Known secrets (hex, as liboath's usersfile keeps them).
ALICE_KEY=3132333435363738393031323334353637383930
BOB_KEY=00112233445566778899aabbccddeeff00112233
DAVE_KEY=ffeeddccbbaa99887766554433221100ffeeddcc
USERS=$T/etc/totp.users
write_usersfile() {
	printf 'HOTP/T30/6\tAIDAALICE00000000001\t-\t%s\nHOTP/T30/6\tAIDABOB0000000000002\t-\t%s\nHOTP/T30/6\tAIDADAVE000000000004\t-\t%s\n' \
		"$ALICE_KEY" "$BOB_KEY" "$DAVE_KEY" >"$USERS"
	chmod 0600 "$USERS"
}
write_usersfile

conf() { # conf FILE STATE_DIR
	cat >"$1" <<EOF
[directory]
state_dir = $2
[keys]
login_groups = devs
[mfa]
usersfile = $USERS
policy = if-enrolled
window = 1
[pam]
max_snapshot_age = 3600
service.sudo = admins
EOF
	chmod 0644 "$1"
}
CONF=$T/iam-login.conf
conf "$CONF" "$T/state"
conf "$T/stale.conf" "$T/stale"
conf "$T/nosnap.conf" "$T/nosnap"

# A service: auth and account lines for pam_iam, then the fallback module that
# only a PAM_IGNORE reaches (pam_deny or pam_permit).
service() { # service NAME FALLBACK ARGS...
	local name=$1 fallback=$2
	shift 2
	cat >"$T/pam.d/$name" <<EOF
auth     [success=done ignore=ignore default=die] $PAM_SO $*
auth     required $fallback
account  [success=done ignore=ignore default=die] $PAM_SO $*
account  required $fallback
session  required $PAM_SO $*
EOF
}
service iamtest pam_deny.so config=$CONF nodelay
service iamtest-permit pam_permit.so config=$CONF nodelay
service iamtest-required pam_deny.so config=$CONF mfa=required nodelay
service iamtest-off pam_deny.so config=$CONF mfa=off nodelay
service iamtest-groups pam_deny.so config=$CONF groups=iam-admins,nosuchgroup nodelay
service iamtest-stale pam_deny.so config=$T/stale.conf nodelay
service iamtest-nosnap pam_permit.so config=$T/nosnap.conf nodelay
service iamtest-age10000 pam_deny.so config=$T/stale.conf max_snapshot_age=10000 nodelay
service iamtest-age0 pam_deny.so config=$T/stale.conf max_snapshot_age=0 nodelay
service iamtest-badarg pam_permit.so config=$CONF mfa=requried
service iamtest-window0 pam_deny.so config=$CONF window=0 nodelay
service sshd pam_deny.so config=$CONF nodelay
service sudo pam_deny.so config=$CONF mfa=required nodelay
printf "auth required pam_deny.so\naccount required pam_deny.so\nsession required pam_deny.so\npassword required pam_deny.so\n" >"$T/pam.d/other"
mount --bind "$T/pam.d" /etc/pam.d || { not_ok "bind-mount pam.d"; exit 1; }

LOG=$T/syslog
: >"$LOG"
# pt SERVICE USER INPUT OPS... -> sets OUT and RC; LASTLOG = audit lines of this call
pt() {
	local svc=$1 user=$2 input=$3
	shift 3
	local before
	before=$(wc -l <"$LOG")
	if [ "$input" = "<closed>" ]; then
		OUT=$(SYSLOG_CAPTURE=$LOG LD_PRELOAD=$SHIM pamtester "$svc" "$user" "$@" </dev/null 2>&1)
	else
		OUT=$(printf '%s\n' "$input" | SYSLOG_CAPTURE=$LOG LD_PRELOAD=$SHIM pamtester "$svc" "$user" "$@" 2>&1)
	fi
	RC=$?
	LASTLOG=$(tail -n +$((before + 1)) "$LOG" | grep 'pam_iam(' || true)
}
code() { oathtool --totp -N "@$(($(date +%s) + ${2:-0}))" "$1"; }
# A code that is valid nowhere within +-3 steps of now.
wrong_code() {
	local key=$1 c s hit
	for c in 000000 111111 222222 333333 444444 555555; do
		hit=
		for s in -90 -60 -30 0 30 60 90; do [ "$(code "$key" $s)" = "$c" ] && hit=1; done
		[ -z "$hit" ] && { echo $c; return; }
	done
}
# Keep clear of a 30 s boundary so "now" is one step for us and for pam_iam.
wait_step() { local s=$(($(date +%s) % 30)); [ $s -ge 26 ] && sleep $((31 - s)); return 0; }

# ---- auth: right, replayed, wrong, out-of-window codes ---------------------
wait_step
C=$(code $ALICE_KEY)
pt iamtest alice "$C" authenticate
check_eq "right code: authenticated" 0 "$RC"
check_match "right code: prompt is 'Verification code: '" "Verification code: " "$OUT"
check_match "right code: audit line with ARN and reason" \
	'pam_iam\(iamtest:auth\): success user=alice arn=arn:aws:iam::123456789012:user/alice rhost=- reason="totp code accepted"' "$LASTLOG"
check_match "audit facility is LOG_AUTHPRIV" '^<85> pam_iam' "$LASTLOG"
check_nomatch "the code is never logged" "$C" "$(cat "$LOG")"

pt iamtest alice "$C" authenticate
check_eq "replayed code: refused" 1 "$RC"
check_match "replayed code: user told" "already used" "$OUT"
check_match "replayed code: audit reason" 'failed user=alice .*reason="totp code replayed"' "$LASTLOG"

pt iamtest bob "$(wrong_code $BOB_KEY)" authenticate
check_eq "wrong code: refused" 1 "$RC"
check_match "wrong code: user told" "Verification code is not valid" "$OUT"
check_match "wrong code: audit reason" 'failed user=bob .*reason="totp code wrong or outside the window"' "$LASTLOG"

pt iamtest bob "$(code $BOB_KEY -150)" authenticate
check_eq "code 5 steps old (outside window 1): refused" 1 "$RC"
pt iamtest bob "$(code $BOB_KEY 150)" authenticate
check_eq "code 5 steps ahead (outside window 1): refused" 1 "$RC"
rm -f "$USERS.attempts" # 3 failures above: pam_iam's throttle (issue 8 finding 2) would refuse the next
wait_step
pt iamtest bob "$(code $BOB_KEY -30)" authenticate
check_eq "previous step's code (inside window 1): accepted" 0 "$RC"
wait_step
pt iamtest-window0 dave "$(code $DAVE_KEY -30)" authenticate
check_eq "window=0: previous step's code refused" 1 "$RC"
pt iamtest-window0 dave "$(code $DAVE_KEY)" authenticate
check_eq "window=0: current code accepted" 0 "$RC"

# ---- auth: malformed answers and conversation failure ----------------------
pt iamtest alice "" authenticate
check_eq "empty answer: refused" 1 "$RC"
check_match "empty answer: audit reason" 'reason="empty verification code"' "$LASTLOG"
pt iamtest alice "$(head -c 4000 /dev/zero | tr '\0' 7)" authenticate
check_eq "oversized answer: refused" 1 "$RC"
check_match "oversized answer: audit reason" 'reason="verification code too long"' "$LASTLOG"
pt iamtest alice "1234567" authenticate
check_eq "7 digits: refused" 1 "$RC"
pt iamtest alice "12345" authenticate
check_match "5 digits: audit reason" 'reason="verification code too short"' "$LASTLOG"
pt iamtest alice "12a456" authenticate
check_eq "non-digit answer: refused" 1 "$RC"
check_match "non-digit answer: audit reason" 'reason="verification code is not all digits"' "$LASTLOG"
check_match "malformed answer: user told" "enter the 6 digits" "$OUT"
pt iamtest alice "<closed>" authenticate
check_eq "no answer (stdin closed): refused" 1 "$RC"
check_match "no answer: audit reason" 'reason="no answer from the conversation"' "$LASTLOG"

# ---- MFA policy without a secret (carol) and with one (alice) --------------
pt iamtest-required carol "<closed>" authenticate
check_eq "required, no secret: refused" 1 "$RC"
check_match "required, no secret: user told how to enrol" "iam-login mfa enroll carol" "$OUT"
check_match "required, no secret: audit reason" 'denied user=carol .*reason="mfa required, no TOTP secret enrolled"' "$LASTLOG"
# Issue 8 finding 1: pam_iam never answers "success" for a factor it did not
# verify. Without a secret (if-enrolled) or with mfa=off it ignores the user and
# the fallback decides: pam_deny refuses, pam_permit lets in (the stack's choice).
pt iamtest carol "<closed>" authenticate
check_eq "if-enrolled, no secret, fallback pam_deny: refused (finding 1)" 1 "$RC"
check_nomatch "if-enrolled, no secret: no prompt" "Verification code" "$OUT"
check_match "if-enrolled, no secret: audit says ignored, no factor" 'ignored user=carol .*reason="mfa if-enrolled, not enrolled, no factor verified' "$LASTLOG"
check_nomatch "if-enrolled, no secret: never a success line" 'success user=carol' "$LASTLOG"
pt iamtest-permit carol "<closed>" authenticate
check_eq "if-enrolled, no secret, fallback pam_permit: the stack decides" 0 "$RC"
pt iamtest-off carol "<closed>" authenticate
check_eq "off, no secret, fallback pam_deny: refused (finding 1)" 1 "$RC"
check_match "off: audit reason" 'ignored user=carol .*reason="mfa off, no factor verified' "$LASTLOG"
pt iamtest-off alice "<closed>" authenticate
check_eq "off, enrolled user, fallback pam_deny: refused, no code asked" 1 "$RC"
check_nomatch "off, enrolled user: no prompt" "Verification code" "$OUT"
# SSH_AUTH_INFO_0 counts only inside sshd: a module that fills the PAM
# environment earlier in another program's stack cannot vouch for a key.
printf 'SSH_AUTH_INFO_0 DEFAULT="publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA"\n' >"$T/env.conf"
cat >"$T/pam.d/iamtest-env" <<EOF
auth     required pam_env.so conffile=$T/env.conf envfile=/dev/null
auth     [success=done ignore=ignore default=die] $PAM_SO config=$CONF nodelay
auth     required pam_deny.so
EOF
pt iamtest-env carol "<closed>" authenticate
check_eq "a forged SSH_AUTH_INFO_0 outside sshd does not count (finding 1)" 1 "$RC"
check_match "... pam_iam saw no verified key" 'ignored user=carol .*no factor verified' "$LASTLOG"
pt iamtest alice "<closed>" authenticate
check_eq "if-enrolled, enrolled user: a code is required" 1 "$RC"
wait_step
pt iamtest-required dave "$(code $DAVE_KEY 30)" authenticate
check_eq "required, enrolled, next step's code: accepted" 0 "$RC"

# ---- local users are untouched ---------------------------------------------
pt iamtest root "<closed>" authenticate
check_eq "local root, fallback pam_deny: denied by the fallback" 1 "$RC"
check_match "local root: pam_iam ignored it" \
	'pam_iam\(iamtest:auth\): ignored user=root arn=- rhost=- reason="not an IAM user"' "$LASTLOG"
pt iamtest-permit root "<closed>" authenticate acct_mgmt
check_eq "local root, fallback pam_permit: allowed by the fallback" 0 "$RC"
check_eq "local root: auth and account both logged 'ignored'" 2 "$(printf '%s\n' "$LASTLOG" | grep -c ignored)"
check_nomatch "local root: never prompted" "Verification code" "$OUT"
pt iamtest-permit nosuchuser "<closed>" authenticate
check_eq "unknown user: ignored (fallback decides)" 0 "$RC"
# The user name is the client's choice (sshd passes it on even for unknown
# users): blanks and quotes in it must not forge fields of the audit line.
pt iamtest-permit 'x arn=arn:aws:iam::1:user/admin reason="totp code accepted" success' "<closed>" authenticate
check_match "hostile user name: kept as one token in the audit line" \
	'\): ignored user=x\?arn=arn:aws:iam::1:user/admin\?reason=\?totp\?code\?accepted\?\?success arn=- rhost=- reason="not an IAM user"$' "$LASTLOG"
check_nomatch "... no second reason= field" 'reason=".*reason="' "$LASTLOG"

# ---- account: group gate -----------------------------------------------------
pt sshd bob "<closed>" acct_mgmt
check_eq "sshd: member of login_groups allowed" 0 "$RC"
check_match "sshd: allowed audit line" 'pam_iam\(sshd:account\): allowed user=bob' "$LASTLOG"
pt sshd carol "<closed>" acct_mgmt
check_eq "sshd: user outside login_groups denied" 1 "$RC"
check_match "sshd: denied with reason" 'pam_iam\(sshd:account\): denied user=carol .*reason="not in an allowed IAM group"' "$LASTLOG"
check_match "sshd: user told who may" "carol may not use sshd on this host \(IAM group devs\)" "$OUT"
pt sudo alice "<closed>" acct_mgmt
check_eq "sudo: service.sudo = admins allows alice" 0 "$RC"
pt sudo bob "<closed>" acct_mgmt
check_eq "sudo: bob (devs only) denied" 1 "$RC"
# issue 9: the auth phase applies the same gate first, so bob is never asked for a code
pt sudo bob "000000" authenticate
check_eq "sudo auth: bob (devs only) refused" 1 "$RC"
check_match "sudo auth: told before any code, naming the group" "bob may not use sudo on this host \(IAM group admins\)" "$OUT"
check_nomatch "sudo auth: no code prompt for bob" "Verification code" "$OUT"
check_match "sudo auth: audit line" 'pam_iam\(sudo:auth\): denied user=bob .*reason="not in an allowed IAM group"' "$LASTLOG"
pt iamtest-groups alice "<closed>" acct_mgmt
check_eq "groups= argument (Linux name iam-admins) allows alice" 0 "$RC"
pt iamtest-groups bob "<closed>" acct_mgmt
check_eq "groups= argument overrides config: bob denied" 1 "$RC"
pt iamtest carol "<closed>" acct_mgmt
check_eq "no group rule for the service: any IAM user allowed" 0 "$RC"

# ---- stale, missing snapshot; insecure usersfile; bad argument -------------
wait_step
pt iamtest-stale alice "$(code $ALICE_KEY 30)" authenticate
check_eq "stale snapshot: auth refused even with a right code" 1 "$RC"
check_match "stale snapshot: auth reason" 'denied user=alice .*reason="directory snapshot is 72[0-9][0-9]s old"' "$LASTLOG"
check_nomatch "stale snapshot: no prompt" "Verification code" "$OUT"
pt iamtest-stale alice "<closed>" acct_mgmt
check_eq "stale snapshot: account denied" 1 "$RC"
check_match "stale snapshot: account audit" 'pam_iam\(iamtest-stale:account\): denied user=alice' "$LASTLOG"
pt iamtest-stale root "<closed>" acct_mgmt
check_match "stale snapshot: local root still ignored" 'ignored user=root' "$LASTLOG"
pt iamtest-age10000 alice "<closed>" acct_mgmt
check_eq "max_snapshot_age=10000 argument: the 2 h old snapshot is fresh enough" 0 "$RC"
pt iamtest-age0 alice "<closed>" acct_mgmt
check_eq "max_snapshot_age=0 argument: age not checked" 0 "$RC"
pt iamtest-nosnap root "<closed>" authenticate acct_mgmt
check_eq "missing snapshot: local root passes through" 0 "$RC"
# A passwd entry with a uid in the IAM range while the snapshot is missing: fail closed.
cp /etc/passwd "$T/passwd"
echo "ghost:x:200000099:200000099:ghost:/nonexistent:/bin/false" >>"$T/passwd"
mount --bind "$T/passwd" /etc/passwd
pt iamtest-nosnap ghost "<closed>" authenticate
check_eq "missing snapshot, uid in the IAM range: auth refused" 1 "$RC"
check_match "... audit reason" 'denied user=ghost arn=- .*reason="directory snapshot unreadable: No such file or directory"' "$LASTLOG"
pt iamtest-nosnap ghost "<closed>" acct_mgmt
check_eq "missing snapshot, uid in the IAM range: account refused" 1 "$RC"
umount /etc/passwd

chmod 0644 "$USERS"
pt iamtest alice "<closed>" authenticate
check_eq "usersfile mode 0644: refused" 1 "$RC"
check_match "usersfile mode 0644: audit reason" 'reason="mfa usersfile unusable: Operation not permitted \(must be a root-owned 0600 file\)"' "$LASTLOG"
chmod 0600 "$USERS"

pt iamtest-badarg root "<closed>" authenticate
check_eq "misspelt argument (mfa=requried): fails closed even for root" 1 "$RC"

pt iamtest alice "<closed>" open_session close_session
check_eq "session hooks succeed" 0 "$RC"
check_match "session audit lines" 'pam_iam\(iamtest:session\): opened user=alice' "$LASTLOG"

# ---- issue 8 finding 9: secrets follow the IAM UserId, not the name ----------------
# alice (AIDAALICE...) renamed to alicia in IAM; a new IAM user took the name alice.
mkdir -p "$T/renamed"
cat <<EOF | "$MKSNAP" - "$T/renamed" >/dev/null || not_ok "mksnap renamed"
account 123456789012
created $NOW
user alicia 200000001 200000001 Alicia /home/alicia /bin/bash alicia AIDAALICE00000000001 arn:aws:iam::123456789012:user/alicia
user alice 200000009 200000009 New /home/alice /bin/bash alice AIDANEWALICE00000009 arn:aws:iam::123456789012:user/alice
EOF
conf "$T/renamed.conf" "$T/renamed"
service iamtest-renamed pam_deny.so config=$T/renamed.conf nodelay
write_usersfile
wait_step
pt iamtest-renamed alicia "$(code $ALICE_KEY)" authenticate
check_eq "renamed IAM user keeps her enrolment (finding 9)" 0 "$RC"
pt iamtest-renamed alice "$(code $ALICE_KEY 30)" authenticate
check_eq "a new IAM user under the old name gets no secret: not asked, ignored, refused by the fallback (finding 9)" 1 "$RC"
check_nomatch "... never asked for the old user's code" "Verification code" "$OUT"
# Upgrade: a line keyed by the Linux name (older versions) is ignored until migrated.
printf 'HOTP/T30/6\tbob\t-\t%s\n' "$BOB_KEY" >"$USERS"
chmod 0600 "$USERS"
IAML=$BUILD/iam-login
pt iamtest bob "<closed>" authenticate
check_eq "a name-keyed line is not bob's enrolment" 1 "$RC"
check_match "mfa status says how to migrate" "mfa migrate bob" "$(IAM_LOGIN_TEST_MODE=1 "$IAML" --config "$CONF" mfa status bob 2>&1)"
check_match "mfa migrate bob re-keys the line to the UserId" "now keyed by IAM UserId AIDABOB0000000000002" \
	"$(IAM_LOGIN_TEST_MODE=1 "$IAML" --config "$CONF" mfa migrate bob 2>&1)"
check_match "migrate again: nothing to do" "already keyed" "$(IAM_LOGIN_TEST_MODE=1 "$IAML" --config "$CONF" mfa migrate bob 2>&1)"
check_eq "the migrated line keeps the secret" "$BOB_KEY" "$(awk '$2=="AIDABOB0000000000002"{print $4}' "$USERS")"
wait_step
pt iamtest bob "$(code $BOB_KEY)" authenticate
check_eq "after migrate bob's code is accepted" 0 "$RC"
write_usersfile

[ "$TAP_FAILED" -eq 0 ]
