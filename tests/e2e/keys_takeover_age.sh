#!/usr/bin/env bash
# issue 8 finding 7 (account by uid) and finding 4 (key command applies
# max_snapshot_age), with real sshd, glibc NSS and pamtester in a private
# mount namespace against moto_server:
#   - IAM jenkins logs in with their IAM key (control)
#   - a local jenkins added to /etc/passwd after the sync (another uid) is not
#     logged into with IAM jenkins' key, and pam_iam does not treat it as IAM
#   - a snapshot older than [pam] max_snapshot_age: the key command prints nothing
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"
source "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

for t in sshd ssh pamtester; do
	command -v $t >/dev/null || { skip "keys takeover/age e2e" "$t missing"; exit 0; }
done
moto_available || { skip "keys takeover/age e2e" "moto_server or aws CLI missing"; exit 0; }
moto_start || { not_ok "moto_start"; exit 1; }
sandbox_setup || { not_ok "sandbox_setup"; exit 1; }

for u in jenkins olga; do
	aws_admin iam create-user --user-name $u >/dev/null
done
JKEY=$(sandbox_keygen jenkins)
aws_admin iam upload-ssh-public-key --user-name jenkins --ssh-public-key-body "$(cat "$JKEY.pub")" >/dev/null
OKEY=$(sandbox_keygen olga)
aws_admin iam upload-ssh-public-key --user-name olga --ssh-public-key-body "$(cat "$OKEY.pub")" >/dev/null
writeconf() { # writeconf MAX_SNAPSHOT_AGE
	moto_config "$SB_CONF" "[directory]" "state_dir = $SB_STATE" "[keys]" "deadline = 8" \
		"[mfa]" "policy = if-enrolled" "[pam]" "max_snapshot_age = $1"
}
writeconf 3600
sandbox_service_creds "$HOST_AK" "$HOST_SK"
check_match "iam-login sync" "^synced" "$(sandbox_sync 2>&1)"
IAMUID=$(getent passwd jenkins | cut -d: -f3)
check_match "NSS: IAM jenkins" "^[0-9]+$" "$IAMUID"

sshd_start "AuthorizedKeysCommand /usr/sbin/iam-authorized-keys %u" \
	"AuthorizedKeysCommandUser $SB_KEYS_USER" || { not_ok "sshd_start" "$(cat "$SSHD_LOG")"; exit 1; }
check_eq "control: IAM jenkins logs in with the IAM key" "$IAMUID" "$(ssh_as jenkins "$JKEY" id -u 2>/dev/null)"

# A local jenkins appears after the sync: files comes before iam in nsswitch.
LUID=$(_sb_free_id passwd)
sandbox_local_user jenkins "$LUID" /
check_eq "NSS now resolves the local jenkins" "$LUID" "$(getent passwd jenkins | cut -d: -f3)"
OUT=$(ssh_as jenkins "$JKEY" id -u 2>&1)
check_nomatch "issue 8 finding 7: IAM jenkins' key does not log into the local jenkins" "^$LUID\$" "$OUT"
check_match "... refused" "Permission denied" "$OUT"
check_eq "issue 8 finding 7: the key command prints nothing for the local jenkins" "" \
	"$(as_keys /usr/sbin/iam-authorized-keys jenkins 2>/dev/null)"

# pam_iam: the local jenkins is not the IAM user (pam_permit stands for the stack).
printf 'auth [success=done ignore=ignore default=die] %s nodelay\nauth required pam_deny.so\n' \
	"$BUILD/pam_iam.so" >/etc/pam.d/iamtakeover
: >"$SB/audit.log"
SYSLOG_CAPTURE=$SB/audit.log LD_PRELOAD=$BUILD/tests/tools/syslog_capture.so \
	pamtester iamtakeover jenkins authenticate </dev/null >/dev/null 2>&1
check_match "issue 8 finding 7: pam_iam: local jenkins with another uid is not the IAM user (audit)" \
	'ignored user=jenkins .*another uid' "$(cat "$SB/audit.log")"

# finding 4: the key command applies max_snapshot_age.
check_eq "control: olga's key printed with a fresh snapshot" "1" \
	"$(as_keys /usr/sbin/iam-authorized-keys olga 2>/dev/null | grep -c ssh-ed25519)"
sleep 2
writeconf 1
check_eq "issue 8 finding 4: snapshot older than max_snapshot_age: no keys" "" \
	"$(as_keys /usr/sbin/iam-authorized-keys olga 2>/dev/null)"
check_nomatch "issue 8 finding 4: ... and sshd refuses olga" "^[0-9]+$" "$(ssh_as olga "$OKEY" id -u 2>&1)"
sshd_stop

[ "$TAP_FAILED" -eq 0 ]
