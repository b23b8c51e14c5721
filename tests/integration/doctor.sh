#!/usr/bin/env bash
# iam-login doctor: names what is wrong (missing/stale snapshot, unsafe MFA file)
# and exits 0 only when nothing failed. Offline: no AWS calls.
source "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
conf() {
	printf '[directory]\nstate_dir = %s/state\n[mfa]\nusersfile = %s/totp.users\npolicy = %s\n[pam]\nmax_snapshot_age = %s\n' \
		"$T" "$T" "$1" "$2" >"$T/conf"
}
mkdir -p "$T/state"
conf if-enrolled 3600
OUT=$("$BUILD/iam-login" --config "$T/conf" doctor --offline --sshd-config "$T/no-sshd" --sudoers-dir "$T/sudoers.d" 2>&1)
RC=$?
check_eq "missing snapshot: exit 1" 1 "$RC"
check_match "missing snapshot: says to sync" "^FAIL  snapshot .*/state/directory: No such file.*iam-login sync" "$OUT"

OUT=$("$BUILD/iam-login" --config "$T/no-such.conf" doctor --offline --sshd-config "$T/no-sshd" --sudoers-dir "$T/sudoers.d" 2>&1)
RC=$?
check_eq "missing config: exit 1" 1 "$RC"
check_match "missing config: names the file and the packaged copy" "FAIL  config $T/no-such.conf is missing: .*/usr/share/doc/iam-login/examples/iam-login.conf" "$OUT"
check_match "missing config: the other checks still run (on the defaults)" "snapshot /var/lib/iam-login/directory" "$OUT"

printf 'account 123456789012\ncreated %s\nuser alice 200000001 200000001 Alice /home/alice /bin/bash alice AIDAALICE0000000000 arn:aws:iam::123456789012:user/alice\nexclude user root collides with local account root\n' \
	"$(date +%s)" | "$BUILD/tests/tools/mksnap" - "$T/state" >/dev/null
OUT=$("$BUILD/iam-login" --config "$T/conf" doctor --offline --sshd-config "$T/no-sshd" --sudoers-dir "$T/sudoers.d" 2>&1)
RC=$?
check_eq "fresh snapshot, nothing failed: exit 0" 0 "$RC"
check_match "fresh snapshot: counts" "^ok    snapshot generation [0-9]+, 1 users, 1 groups" "$OUT"
check_match "excluded names are pointed out" "^WARN  1 IAM names are excluded" "$OUT"
check_match "summary line" "^0 failed, [0-9]+ warnings$" "$OUT"

printf 'created %s\nuser alice 200000001 200000001 Alice /home/alice /bin/bash alice AIDAALICE0000000000 arn:aws:iam::123456789012:user/alice\n' \
	"$(($(date +%s) - 7200))" | "$BUILD/tests/tools/mksnap" - "$T/state" >/dev/null
OUT=$("$BUILD/iam-login" --config "$T/conf" doctor --offline --sshd-config "$T/no-sshd" --sudoers-dir "$T/sudoers.d" 2>&1)
check_match "stale snapshot fails with the reason" "^FAIL  snapshot is [0-9]+ s old, over \[pam\] max_snapshot_age 3600" "$OUT"

conf required 0
install -m 0644 /dev/null "$T/totp.users"
OUT=$("$BUILD/iam-login" --config "$T/conf" doctor --offline --sshd-config "$T/no-sshd" --sudoers-dir "$T/sudoers.d" 2>&1)
check_match "MFA usersfile readable by others fails" "^FAIL  .*totp.users must be owned by root with mode 0600" "$OUT"
chmod 0600 "$T/totp.users"
OUT=$("$BUILD/iam-login" --config "$T/conf" doctor --offline --sshd-config "$T/no-sshd" --sudoers-dir "$T/sudoers.d" 2>&1)
check_match "MFA usersfile root 0600 is ok" "^ok    MFA usersfile .* is root 0600" "$OUT"

printf '[aws]\nbogus = 1\n' >"$T/bad.conf"
OUT=$("$BUILD/iam-login" --config "$T/bad.conf" doctor --offline --sshd-config "$T/no-sshd" --sudoers-dir "$T/sudoers.d" 2>&1)
check_eq "bad config: exit 1" 1 "$?"
check_match "bad config: file:line and the key" "bad.conf:2: unknown key 'bogus'" "$OUT"
OUT=$("$BUILD/iam-login" doctor --bogus 2>&1)
check_eq "unknown option: exit 2" 2 "$?"

# Root without AWS credentials (issue 9): the error says whose they are and the
# command to run as that user. Instance metadata is a closed loopback port.
if [ "$(id -u)" = 0 ]; then
	printf '[aws]\nimds_endpoint = http://127.0.0.1:9\nregion = us-east-1\n[directory]\nstate_dir = %s/state\nsync_user = svc-sync\n' "$T" >"$T/nocreds.conf"
	for cmd in whoami users; do
		OUT=$(env -i HOME="$T" PATH=/usr/bin:/bin "$BUILD/iam-login" --config "$T/nocreds.conf" $cmd 2>&1)
		check_match "root without credentials: $cmd names the sync user's command" \
			"root has no AWS credentials of its own; on this host they are the sync user's \(~svc-sync/.aws\): run it as that user: sudo -u svc-sync iam-login $cmd" "$OUT"
	done
	OUT=$(env -i HOME="$T" PATH=/usr/bin:/bin "$BUILD/iam-login" --config "$T/nocreds.conf" doctor 2>&1)
	check_match "root without credentials: doctor hints too" "^hint  root has no AWS credentials.*sudo -u svc-sync iam-login doctor" "$OUT"
	chmod 0755 "$T"
	OUT=$(env -i HOME="$T" PATH=/usr/bin:/bin setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD/iam-login" --config "$T/nocreds.conf" whoami 2>&1)
	check_match "another user without credentials: the error itself" "NoCredentials" "$OUT"
	check_nomatch "another user without credentials gets no root hint" "root has no AWS" "$OUT"
else
	skip "root without credentials hint" "needs root"
fi

# The sudoers drop-in's mode (issue 9): cp gives 0644, which visudo -c refuses.
mkdir -p "$T/sudoers.d"
install -m 0644 "$TOP/conf/sudoers.d/iam-login" "$T/sudoers.d/iam-login"
OUT=$("$BUILD/iam-login" --config "$T/conf" doctor --offline --sshd-config "$T/no-sshd" --sudoers-dir "$T/sudoers.d" 2>&1)
check_match "sudoers drop-in 0644: FAIL with the fix" "^FAIL  .*sudoers.d/iam-login is .*mode 0644: .*install -m 0440 conf/sudoers.d/iam-login" "$OUT"
chmod 0440 "$T/sudoers.d/iam-login"
OUT=$("$BUILD/iam-login" --config "$T/conf" doctor --offline --sshd-config "$T/no-sshd" --sudoers-dir "$T/sudoers.d" 2>&1)
check_match "sudoers drop-in 0440: ok" "^ok    sudoers drop-in .* is root 0440" "$OUT"
check_match "no sshd config: its checks are skipped, said so" "^ok    no sshd here" "$OUT"
