#!/usr/bin/env bash
# iam-login mfa enroll/status/remove, and the enrolment round trip through
# pam_iam: enroll, take the secret from the printed otpauth URI, compute the
# code with oathtool, authenticate with pamtester. Then the --iam path against
# moto_server (CreateVirtualMFADevice + EnableMFADevice as an admin identity).
# Runs in a private mount namespace (its own /etc/pam.d).
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"

if [ "$(id -u)" != 0 ] || ! command -v pamtester >/dev/null || ! command -v oathtool >/dev/null; then
	skip "mfa integration" "needs root, pamtester and oathtool"
	exit 0
fi
if [ -z "${IN_PAM_NS:-}" ]; then
	exec env IN_PAM_NS=1 unshare -m --propagation private bash "$0" "$@"
fi

IAML=$BUILD/iam-login
PAM_SO=$BUILD/pam_iam.so
MKSNAP=$BUILD/tests/tools/mksnap
SHIM=$BUILD/tests/tools/syslog_capture.so
for f in "$IAML" "$PAM_SO" "$MKSNAP" "$SHIM"; do
	[ -e "$f" ] || { not_ok "built: $f"; exit 1; }
done

T=$(mktemp -d -t mfa-test.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"; moto_stop' EXIT
chmod 0755 "$T"
mkdir -p "$T/state" "$T/etc" "$T/pam.d"
USERS=$T/etc/totp.users
CONF=$T/iam-login.conf
LOG=$T/syslog
: >"$LOG"

"$MKSNAP" - "$T/state" >/dev/null <<EOF || not_ok "mksnap"
account 123456789012
created $(date +%s)
group iam-admins 250000001 admins AGPAADMINS0000000001 arn:aws:iam::123456789012:group/admins
user alice 200000001 200000001 Alice /home/alice /bin/bash alice AIDAALICE00000000001 arn:aws:iam::123456789012:user/alice iam-admins
user bob 200000002 200000002 Bob /home/bob /bin/bash bob AIDABOB0000000000002 arn:aws:iam::123456789012:user/bob
user carol 200000003 200000003 Carol /home/carol /bin/bash carol AIDACAROL00000000003 arn:aws:iam::123456789012:user/carol
user dave 200000004 200000004 Dave /home/dave /bin/bash dave AIDADAVE000000000004 arn:aws:iam::123456789012:user/dave
EOF
writeconf() {
	{
		[ -n "${MOTO_URL:-}" ] && printf '[aws]\nregion = us-east-1\niam_endpoint = %s\nsts_endpoint = %s\nconnect_timeout = 2\ntimeout = 10\n' "$MOTO_URL" "$MOTO_URL"
		printf '[directory]\nstate_dir = %s\n[mfa]\nusersfile = %s\npolicy = if-enrolled\n' "$T/state" "$USERS"
	} >"$CONF"
	chmod 0644 "$CONF"
}
writeconf
cat >"$T/pam.d/iamtest" <<EOF
auth     [success=done ignore=ignore default=die] $PAM_SO config=$CONF nodelay
auth     required pam_deny.so
EOF
# iamcheck's fallback admits whatever pam_iam ignores: the exit status is pam_iam's verdict.
cat >"$T/pam.d/iamcheck" <<EOF
auth     [success=done ignore=ignore default=die] $PAM_SO config=$CONF nodelay iam_mfa_check iam_mfa_helper=$IAML
auth     required pam_permit.so
EOF
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$T/pam.d/other"
mount --bind "$T/pam.d" /etc/pam.d || { not_ok "bind-mount pam.d"; exit 1; }

mfa() { SYSLOG_CAPTURE=$LOG LD_PRELOAD=$SHIM "$IAML" --config "$CONF" mfa "$@"; }
auth() { printf "%s\n" "$2" | SYSLOG_CAPTURE=$LOG LD_PRELOAD=$SHIM pamtester iamtest "$1" authenticate >/dev/null 2>&1; }
b32hex() { python3 -c 'import base64,sys; s=sys.argv[1]; print(base64.b32decode(s+"="*(-len(s)%8)).hex())' "$1"; }
secret_of() { sed -n 's/^otpauth:.*[?&]secret=\([A-Z2-7]*\).*/\1/p' <<<"$1"; }
wait_step() { local s=$(($(date +%s) % 30)); [ $s -ge 26 ] && sleep $((31 - s)); return 0; }

# ---- scripted enrolment round trip ------------------------------------------
OUT=$(mfa enroll alice --no-confirm 2>"$T/err")
check_eq "enroll --no-confirm: exit 0" 0 "$?"
check_eq "stdout is exactly one line (the URI; no QR when not a tty)" 1 "$(printf '%s\n' "$OUT" | wc -l)"
check_match "URI format" "^otpauth://totp/iam-login:alice%40$(hostname)\?secret=[A-Z2-7]{32}&issuer=iam-login&algorithm=SHA1&digits=6&period=30$" "$OUT"
SECRET=$(secret_of "$OUT")
check_eq "usersfile is root 0600" "0 600" "$(stat -c '%u %a' "$USERS")"
check_eq "usersfile holds the URI's secret (hex) for alice" \
	"$(b32hex "$SECRET")" \
	"$(awk '$2=="AIDAALICE00000000001"{print $4}' "$USERS")"
OUT=$(mfa status alice)
check_eq "status enrolled: exit 0" 0 "$?"
check_match "status: enrolled, never used" "TOTP: enrolled \(6 digits, 30 s steps\).*last code accepted: never" "$(echo $OUT)"
check_match "status: names the IAM ARN" "IAM: arn:aws:iam::123456789012:user/alice" "$OUT"
check_nomatch "status never prints the secret" "$SECRET" "$OUT"
wait_step
CODE=$(oathtool --totp -b "$SECRET")
auth alice "$CODE"
check_eq "code computed by oathtool from the printed URI logs in" 0 "$?"
auth alice "$CODE"
check_eq "the same code again is refused (replay)" 1 "$?"
check_match "status after use shows the last accepted code's time" "last code accepted: 20[0-9-]+T" "$(mfa status alice)"
check_match "enrolment audit line" 'iam-login mfa: enrolled user=alice arn=arn:aws:iam::123456789012:user/alice iam_device=no' "$(cat "$LOG")"
check_nomatch "secret never logged" "$SECRET" "$(cat "$LOG")"

# ---- refusals and --force ---------------------------------------------------
mfa enroll alice --no-confirm >/dev/null 2>"$T/err"
check_eq "enroll an enrolled user without --force: exit 1" 1 "$?"
check_match "... says why" "already has a secret; use --force" "$(cat "$T/err")"
check_eq "... secret unchanged" "$(b32hex "$SECRET")" "$(awk '$2=="AIDAALICE00000000001"{print $4}' "$USERS")"
mfa enroll nosuchuser --no-confirm >/dev/null 2>"$T/err"
check_eq "enroll a user not in the IAM directory: exit 1" 1 "$?"
check_match "... says why" "not an IAM user on this host" "$(cat "$T/err")"
check_eq "... nothing written for it" "" "$(awk '$2=="nosuchuser"' "$USERS")"
mfa enroll 'bad user' --no-confirm >/dev/null 2>&1
check_eq "enroll an invalid name: usage error 2" 2 "$?"
mfa enroll >/dev/null 2>&1
check_eq "enroll without USER: usage error 2" 2 "$?"
mfa frobnicate alice >/dev/null 2>&1
check_eq "unknown subcommand: usage error 2" 2 "$?"
mfa status alice --no-confirm >/dev/null 2>&1
check_eq "enroll-only option on status: usage error 2" 2 "$?"
check_match "--help describes every subcommand" "enroll USER.*status USER.*remove USER" "$(echo $(mfa --help))"

OUT=$(mfa enroll bob --no-confirm --issuer "Example Co" 2>/dev/null)
check_match "--issuer is percent-encoded in label and parameter" "^otpauth://totp/Example%20Co:bob%40.*&issuer=Example%20Co&" "$OUT"
BOBLINE=$(grep -P '\tAIDABOB0000000000002\t' "$USERS")
OUT=$(mfa enroll alice --no-confirm --force 2>/dev/null)
check_eq "enroll --force replaces the secret" 0 "$?"
NEWSECRET=$(secret_of "$OUT")
check_nomatch "... with a different secret" "^$SECRET$" "$NEWSECRET"
check_eq "... other users' lines kept byte for byte" "$BOBLINE" "$(grep -P '\tAIDABOB0000000000002\t' "$USERS")"
wait_step
auth alice "$(oathtool --totp -b "$SECRET" -N "@$(($(date +%s) + 30))")"
check_eq "... the old secret no longer works" 1 "$?"
auth alice "$(oathtool --totp -b "$NEWSECRET" -N "@$(($(date +%s) + 30))")"
check_eq "... the new one does" 0 "$?"

# ---- interactive confirmation (code read from stdin) -------------------------
# Wrong code: nothing stored.
OUT=$(echo 000000 | mfa enroll carol 2>"$T/err")
check_eq "confirmation with a wrong code: exit 1" 1 "$?"
check_match "... says nothing was enrolled" "nothing was enrolled" "$(cat "$T/err")"
mfa status carol >/dev/null 2>&1
check_eq "... carol is not enrolled (status exit 3)" 3 "$?"
# Right code: a coprocess reads the URI and answers with the current code.
coproc ENR { mfa enroll carol 2>"$T/err"; echo "rc=$?"; }
read -r -t 10 URI <&"${ENR[0]}"
CSECRET=$(secret_of "$URI")
oathtool --totp -b "$CSECRET" >&"${ENR[1]}"
read -r -t 10 RCLINE <&"${ENR[0]}"
wait "$ENR_PID" 2>/dev/null
check_eq "confirmation with the right code: enrolled" "rc=0" "$RCLINE"
check_eq "... carol's line is in the usersfile" 1 "$(awk '$2=="AIDACAROL00000000003"' "$USERS" | wc -l)"

# ---- QR code on a terminal ---------------------------------------------------
if command -v script >/dev/null; then
	OUT=$(script -qec "$IAML --config $CONF mfa enroll dave --no-confirm" /dev/null 2>&1)
	check_match "on a tty a QR code is drawn with half blocks" "▀|▄" "$OUT"
	OUT=$(script -qec "$IAML --config $CONF mfa enroll dave --no-confirm --force --no-qr" /dev/null 2>&1)
	check_nomatch "--no-qr: no QR code" "▀|▄" "$OUT"
else
	skip "QR code on a tty" "script(1) missing"
fi

# ---- [mfa] digits = 8 ------------------------------------------------------------
sed -i 's/^policy = if-enrolled$/policy = if-enrolled\ndigits = 8/' "$CONF"
OUT=$(mfa enroll dave --no-confirm --force 2>/dev/null)
check_match "digits = 8: the URI says so" "&digits=8&period=30$" "$OUT"
D8=$(secret_of "$OUT")
wait_step
auth dave "$(oathtool --totp -b -d 6 "$D8")"
check_eq "digits = 8: a 6-digit code is refused" 1 "$?"
auth dave "$(oathtool --totp -b -d 8 "$D8")"
check_eq "digits = 8: the 8-digit code logs in" 0 "$?"
check_match "status shows 8 digits" "TOTP: enrolled \(8 digits, 30 s steps\)" "$(mfa status dave)"
writeconf

# ---- remove --------------------------------------------------------------------
mfa remove alice >/dev/null
check_eq "remove: exit 0" 0 "$?"
mfa status alice >/dev/null
check_eq "status after remove: exit 3" 3 "$?"
check_eq "remove keeps other lines" "$BOBLINE" "$(grep -P '\tAIDABOB0000000000002\t' "$USERS")"
auth alice ""
check_eq "after remove, alice has no factor: pam_iam ignores her, the fallback pam_deny refuses" 1 "$?"
mfa remove alice >/dev/null 2>&1
check_eq "remove again: exit 1" 1 "$?"

chmod 0644 "$USERS"
mfa enroll alice --no-confirm >/dev/null 2>"$T/err"
check_eq "usersfile not 0600: enroll refuses" 1 "$?"
check_match "... and says what is wrong" "owned by root, mode 0600" "$(cat "$T/err")"
chmod 0600 "$USERS"

# ---- --iam against moto ----------------------------------------------------------
if ! moto_available; then
	skip "mfa enroll --iam" "moto_server or aws CLI missing"
	[ "$TAP_FAILED" -eq 0 ]
	exit
fi
moto_start || { not_ok "moto_start"; exit 1; }
writeconf
for u in alice bob; do aws_admin iam create-user --user-name $u >/dev/null; done
ACCOUNT=$(aws_admin sts get-caller-identity --query Account --output text)
admin_env=(AWS_ACCESS_KEY_ID="$ADMIN_AK" AWS_SECRET_ACCESS_KEY="$ADMIN_SK" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null)
host_env=(AWS_ACCESS_KEY_ID="$HOST_AK" AWS_SECRET_ACCESS_KEY="$HOST_SK" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null)

OUT=$(env "${host_env[@]}" "$IAML" --config "$CONF" mfa enroll alice --iam --no-confirm 2>"$T/err")
check_eq "--iam with the host identity (no iam:CreateVirtualMFADevice): exit 1" 1 "$?"
check_match "... AccessDenied reported" "AccessDenied" "$(cat "$T/err")"
check_eq "... nothing stored locally" "" "$(awk '$2=="AIDAALICE00000000001"' "$USERS")"

OUT=$(env "${admin_env[@]}" SYSLOG_CAPTURE=$LOG LD_PRELOAD=$SHIM "$IAML" --config "$CONF" mfa enroll alice --iam --no-confirm 2>"$T/err")
check_eq "--iam as admin: exit 0" 0 "$?"
check_match "--iam: URI on its own line, 6 digits/30 s" "^otpauth://totp/iam-login:alice\?secret=[A-Z2-7]+&issuer=iam-login&algorithm=SHA1&digits=6&period=30$" "$OUT"
ISECRET=$(secret_of "$OUT")
DEVS=$(aws_admin iam list-mfa-devices --user-name alice --query 'MFADevices[].SerialNumber' --output text)
check_eq "--iam: IAM has the virtual device enabled for alice" "arn:aws:iam::$ACCOUNT:mfa/alice" "$DEVS"
check_eq "--iam: the same seed is stored locally" \
	"$(b32hex "$ISECRET")" \
	"$(awk '$2=="AIDAALICE00000000001"{print $4}' "$USERS")"
wait_step
auth alice "$(oathtool --totp -b "$ISECRET" -N "@$(($(date +%s) + 30))")"
check_eq "--iam: a code from the IAM seed logs in on the host" 0 "$?"
OUT=$(env "${host_env[@]}" "$IAML" --config "$CONF" mfa status alice --iam 2>&1)
check_match "status --iam (host identity, ListMFADevices) lists the IAM device" "IAM MFA devices: 1.*arn:aws:iam::$ACCOUNT:mfa/alice" "$(echo $OUT)"
check_match "--iam enrolment audit line" 'enrolled user=alice .*iam_device=yes' "$(cat "$LOG")"
env "${admin_env[@]}" "$IAML" --config "$CONF" mfa enroll alice --iam --no-confirm --force >/dev/null 2>"$T/err"
check_eq "--iam when IAM already has a device of that name: exit 1" 1 "$?"
check_match "... IAM's error is shown" "EntityAlreadyExists|already exists" "$(cat "$T/err")"
check_eq "... the local secret is unchanged" \
	"$(b32hex "$ISECRET")" \
	"$(awk '$2=="AIDAALICE00000000001"{print $4}' "$USERS")"

# ---- iam_mfa_check: if-enrolled also counts an IAM MFA device ---------------------
mfa remove alice >/dev/null
mfa remove bob >/dev/null
iamcheck() { # iamcheck USER -> RC, LASTLOG, MS
	local before t0
	before=$(wc -l <"$LOG")
	t0=$(date +%s%N)
	env "${host_env[@]}" SYSLOG_CAPTURE=$LOG LD_PRELOAD=$SHIM pamtester iamcheck "$1" authenticate </dev/null >/dev/null 2>&1
	RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
	LASTLOG=$(tail -n +$((before + 1)) "$LOG" | grep 'pam_iam(' || true)
}
iamcheck alice
check_eq "iam_mfa_check: IAM device but no local secret: refused" 1 "$RC"
check_match "... audit reason" 'denied user=alice .*reason="mfa if-enrolled, IAM MFA device but no TOTP secret on this host"' "$LASTLOG"
iamcheck bob
check_eq "iam_mfa_check: no IAM device, no local secret: left to the stack (if-enrolled)" 0 "$RC"
check_match "... audit reason" 'ignored user=bob .*reason="mfa if-enrolled, not enrolled, no IAM MFA device, no factor verified' "$LASTLOG"
auth alice ""
check_eq "without iam_mfa_check the IAM device is not looked at (ignored, pam_deny decides)" 1 "$?"
moto_stop
iamcheck bob
# Issue 8 finding 12: an answer the helper did not give is never "no device".
check_eq "iam_mfa_check with IAM unreachable: refused, never a pass (finding 12)" 1 "$RC"
check_match "... and the failed check is logged" 'denied user=bob .*IAM MFA check failed' "$LASTLOG"
check_match "... at once when IAM refuses connections (took ${MS} ms)" '^([0-9]{1,3}|[0-2][0-9]{3})$' "$MS"
# An endpoint that accepts and never answers: the 3 s deadline bounds the wait.
HANG_PORT=$(free_port)
python3 -c 'import socket,time,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); c=[]
while True: c.append(s.accept()); time.sleep(0.1)' "$HANG_PORT" &
HANG_PID=$!
sleep 0.3
MOTO_URL=http://127.0.0.1:$HANG_PORT writeconf
iamcheck bob
kill $HANG_PID 2>/dev/null
check_eq "iam_mfa_check with IAM hanging: refused after the deadline (finding 12)" 1 "$RC"
check_match "... the check gave up within the deadline (took ${MS} ms)" '^([0-9]{1,3}|[0-3][0-9]{3})$' "$MS"
# A helper that never answers is killed at 3 s.
printf '#!/bin/sh\nexec sleep 30\n' >"$T/hang-helper"
chmod 0755 "$T/hang-helper"
sed -i "s|iam_mfa_helper=[^ ]*|iam_mfa_helper=$T/hang-helper|" "$T/pam.d/iamcheck"
iamcheck bob
check_eq "iam_mfa_check with a stuck helper: refused (finding 12)" 1 "$RC"
check_match "... the helper was killed at the 3 s deadline (took ${MS} ms)" '^(29[0-9]{2}|3[0-4][0-9]{2})$' "$MS"
check_eq "... and no helper is left running" "" "$(pgrep -f "$T/hang-helper" || true)"
# A helper that answers, closes stdout and hangs: the deadline still holds
# (EOF on the pipe is not the helper's exit), and a helper that did not
# finish is no answer.
printf '#!/bin/sh\nprintf "1\\n"\nexec >&-\nexec sleep 30\n' >"$T/eof-hang-helper"
chmod 0755 "$T/eof-hang-helper"
sed -i "s|iam_mfa_helper=[^ ]*|iam_mfa_helper=$T/eof-hang-helper|" "$T/pam.d/iamcheck"
iamcheck bob
check_eq "iam_mfa_check with a helper that closes stdout and hangs: refused (finding 12)" 1 "$RC"
check_match "... killed at the 3 s deadline (took ${MS} ms)" '^(29[0-9]{2}|3[0-4][0-9]{2})$' "$MS"
check_eq "... and no helper is left running" "" "$(pgrep -f "$T/eof-hang-helper" || true)"

# The caller of sudo owns the helper's uid and can kill it: a killed helper is no answer.
printf '#!/bin/sh\nkill -9 $$\n' >"$T/killed-helper"
chmod 0755 "$T/killed-helper"
sed -i "s|iam_mfa_helper=[^ ]*|iam_mfa_helper=$T/killed-helper|" "$T/pam.d/iamcheck"
iamcheck bob
check_eq "iam_mfa_check with a helper killed by a signal: refused (finding 12)" 1 "$RC"

[ "$TAP_FAILED" -eq 0 ]
