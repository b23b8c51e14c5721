#!/usr/bin/env bash
# issue 8 findings 2, 5 and 6 with the real pamtester and pam_iam.so:
#  - finding 5: a killed login (liboath's O_EXCL "totp.users.lock" left behind,
#    or our fcntl lock held by a process killed with SIGKILL) must not disable
#    TOTP: the next code still works.
#  - finding 6: parallel logins with one code accept it exactly once, and
#    simultaneous correct codes of different users are all accepted.
# Runs in a private mount namespace (its own /etc/pam.d).
source "$(dirname "$0")/../lib/tap.sh"

if [ "$(id -u)" != 0 ] || ! command -v pamtester >/dev/null || ! command -v oathtool >/dev/null; then
	skip "totp concurrency" "needs root, pamtester and oathtool"
	exit 0
fi
if [ -z "${IN_PAM_NS:-}" ]; then
	exec env IN_PAM_NS=1 unshare -m --propagation private bash "$0" "$@"
fi

IAML=$BUILD/iam-login
PAM_SO=$BUILD/pam_iam.so
MKSNAP=$BUILD/tests/tools/mksnap
for f in "$IAML" "$PAM_SO" "$MKSNAP"; do
	[ -e "$f" ] || { not_ok "built: $f"; exit 1; }
done
T=$(mktemp -d -t totp-conc.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
chmod 0755 "$T"
mkdir -p "$T/state" "$T/etc" "$T/pam.d"
USERS=$T/etc/totp.users
CONF=$T/iam-login.conf
{
	echo "account 123456789012"
	echo "created $(date +%s)"
	for i in 1 2 3 4 5 6 7 8; do
		echo "user u$i 20000000$i 20000000$i U$i /home/u$i /bin/bash u$i AIDAUSER00000000000$i arn:aws:iam::123456789012:user/u$i"
	done
} | "$MKSNAP" - "$T/state" >/dev/null || not_ok "mksnap"
printf '[directory]\nstate_dir = %s\n[mfa]\nusersfile = %s\npolicy = if-enrolled\n' "$T/state" "$USERS" >"$CONF"
chmod 0644 "$CONF"
cat >"$T/pam.d/iamtest" <<EOF
auth     [success=done ignore=ignore default=die] $PAM_SO config=$CONF nodelay
auth     required pam_deny.so
EOF
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$T/pam.d/other"
mount --bind "$T/pam.d" /etc/pam.d || { not_ok "bind-mount pam.d"; exit 1; }

auth() { printf "%s\n" "$2" | pamtester iamtest "$1" authenticate >/dev/null 2>&1; }
secret_of() { sed -n 's/^otpauth:.*[?&]secret=\([A-Z2-7]*\).*/\1/p' <<<"$1"; }
# leave room for a few logins inside one 30 s step
wait_fresh_step() { local s=$(($(date +%s) % 30)); [ $s -ge 20 ] && sleep $((31 - s)); return 0; }

declare -A SEC
for i in 1 2 3 4 5 6 7 8; do
	SEC[u$i]=$(secret_of "$("$IAML" --config "$CONF" mfa enroll "u$i" --no-confirm 2>/dev/null)")
done
check_eq "enrolled u1" 32 "${#SEC[u1]}"

# ---- finding 5 ---------------------------------------------------------------
# A pamtester paused in its conversation (stdin never written) is killed -9,
# and a stale liboath lock file is lying around (what a killed sudo left on
# Debian's liboath): the next code must still be accepted.
mkfifo "$T/fifo"
pamtester iamtest u1 authenticate <"$T/fifo" >/dev/null 2>&1 &
PT=$!
exec 9>"$T/fifo"
sleep 0.3
kill -9 "$PT"; wait "$PT" 2>/dev/null
exec 9>&-
: >"$USERS.lock"; chmod 0600 "$USERS.lock"
wait_fresh_step
auth u1 "$(oathtool --totp -b "${SEC[u1]}")"
check_eq "finding 5: code accepted after a killed pamtester and a stale liboath lock" 0 "$?"

# A process holding the project's fcntl lock is killed -9: the kernel drops it.
python3 - "$USERS.iam-lock" "$T/held" <<'EOF' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)
EOF
HOLDER=$!
for _ in $(seq 50); do [ -e "$T/held" ] && break; sleep 0.1; done
check "lock holder has the lock" test -e "$T/held"
kill -9 "$HOLDER"; wait "$HOLDER" 2>/dev/null
wait_fresh_step
timeout 10 bash -c "printf '%s\n' $(oathtool --totp -b "${SEC[u2]}") | pamtester iamtest u2 authenticate >/dev/null 2>&1"
check_eq "finding 5: code accepted after the lock holder was killed -9" 0 "$?"

# ---- finding 6 ---------------------------------------------------------------
rm -f "$USERS.lock" # measure the race, not finding 5
wait_fresh_step
CODE=$(oathtool --totp -b "${SEC[u3]}")
for n in $(seq 12); do ( auth u3 "$CODE" && echo ok >>"$T/same" ) & done
wait
check_eq "finding 6: 12 parallel logins with one code: exactly one accepted" 1 "$(wc -l <"$T/same" 2>/dev/null || echo 0)"

wait_fresh_step
for i in 4 5 6 7 8; do ( auth "u$i" "$(oathtool --totp -b "${SEC[u$i]}")" && echo ok >>"$T/diff" ) & done
wait
check_eq "finding 6: 5 users with correct codes at once: all accepted" 5 "$(wc -l <"$T/diff" 2>/dev/null || echo 0)"


# ---- finding 2 ---------------------------------------------------------------
# 10 parallel wrong guesses for u1 in one step: at most 3 get checked, then
# even the right code is refused unchecked with a clear message.
wait_fresh_step
GOOD=$(oathtool --totp -b "${SEC[u1]}")
BAD=$(printf '%06d' $(( (10#$GOOD + 500000) % 1000000 )))
for n in $(seq 10); do ( auth u1 "$BAD" ) & done
wait
check_eq "finding 2: 3 failures recorded for the step, no more" 3 "$(awk '$1=="AIDAUSER000000000001"{print $3}' "$USERS.attempts")"
check_eq "finding 2: attempts state is root 0600" "0 600" "$(stat -c '%u %a' "$USERS.attempts")"
OUT=$(printf '%s\n' "$GOOD" | pamtester iamtest u1 authenticate 2>&1)
check_eq "finding 2: right code refused once throttled" 1 "$?"
check_match "finding 2: user told to wait" "Too many attempts; wait for the next code" "$OUT"
