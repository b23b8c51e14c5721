#!/usr/bin/env bash
# The shipped sshd drop-ins (conf/sshd_config.d/iam-login{,-mfa}.conf) under Debian's own
# /etc/ssh/sshd_config, nothing else edited, with the shipped conf/pam.d/sshd
# file, real sshd and ssh (issue 9 item 5, issue 12 item 1):
#   - a local key-only account keeps logging in with its key alone, never asked
#     for a code or a password (the MFA methods apply only to Match Group iam-users)
#   - an IAM user needs the IAM key and then the TOTP code; an unenrolled one
#     (mfa = if-enrolled) the key alone
#   - a key planted in an IAM user's ~/.ssh/authorized_keys is not honoured
#   - sshd -T -C shows the effective settings for each kind of user
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"
source "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

for t in oathtool sshd ssh setsid; do
	command -v $t >/dev/null || { skip "sshd drop-in e2e" "$t missing"; exit 0; }
done
[ -f /etc/ssh/sshd_config ] || { skip "sshd drop-in e2e" "no /etc/ssh/sshd_config to build on"; exit 0; }
moto_available || { skip "sshd drop-in e2e" "moto_server or aws CLI missing"; exit 0; }
for f in pam_iam.so iam-login iam-authorized-keys libnss_iam.so.2; do
	[ -e "$BUILD/$f" ] || { not_ok "built: $BUILD/$f"; exit 1; }
done

moto_start || { not_ok "moto_start"; exit 1; }
sandbox_setup || { not_ok "sandbox_setup"; exit 1; }
_sb_overlay /home || { not_ok "overlay /home"; exit 1; }

declare -A KEY
for u in alice frank; do
	aws_admin iam create-user --user-name $u >/dev/null
	KEY[$u]=$(sandbox_keygen $u)
	aws_admin iam upload-ssh-public-key --user-name $u --ssh-public-key-body "$(cat "${KEY[$u]}.pub")" >/dev/null
done
# The image's own key-only admin account: no password (locked), a key in its file.
KEY[admin]=$(sandbox_keygen admin)
sandbox_local_user admin 5100 /home/admin
echo 'admin:!:19000:0:99999:7:::' >>/etc/shadow
install -d -m 0700 -o 5100 -g 5100 /home/admin /home/admin/.ssh
install -m 0600 -o 5100 -g 5100 "${KEY[admin]}.pub" /home/admin/.ssh/authorized_keys

moto_config "$SB_CONF" \
	"[directory]" "state_dir = $SB_STATE" \
	"[mfa]" "usersfile = /etc/iam-login/totp.users" "policy = if-enrolled" "window = 1" \
	"[pam]" "max_snapshot_age = 3600"
sandbox_service_creds "$HOST_AK" "$HOST_SK"
check_match "sync (alice, frank and moto's two bootstrap users)" "^synced 4 users" "$(sandbox_sync 2>&1)"
check_match "NSS: alice is in iam-users" "iam-users" "$(id -Gn alice 2>&1)"
check_nomatch "NSS: admin (local) is not" "iam-users" "$(id -Gn admin 2>&1)"
uri=$(/usr/sbin/iam-login mfa enroll alice --no-confirm 2>/dev/null)
SECRET=$(sed -n 's/^otpauth:.*[?&]secret=\([A-Z2-7]*\).*/\1/p' <<<"$uri")
[ -n "$SECRET" ] || not_ok "enroll alice" "$uri"

# A key alice did not put in IAM, planted where sshd would look by default.
KEY[planted]=$(sandbox_keygen planted)
install -d -m 0700 -o alice -g alice /home/alice /home/alice/.ssh
install -m 0600 -o alice -g alice "${KEY[planted]}.pub" /home/alice/.ssh/authorized_keys

# ---- Debian's sshd_config as it is, plus the shipped drop-in --------------------
install -m 0644 "$BUILD/pam_iam.so" "$SB_LIBDIR/security/pam_iam.so"
install -m 0644 "$TOP/conf/pam.d/sshd-iam-login" /etc/pam.d/sshd
mkdir -p /run/faillock /etc/ssh/sshd_config.d /run/sshd
printf 'dir = /run/faillock\ndeny = 3\nunlock_time = 900\n' >/etc/security/faillock.conf
install -m 0644 "$TOP/conf/sshd_config.d/iam-login.conf" /etc/ssh/sshd_config.d/iam-login.conf
install -m 0644 "$TOP/conf/sshd_config.d/iam-login-mfa.conf" /etc/ssh/sshd_config.d/iam-login-mfa.conf
sed -i 's/^AuthorizedKeysCommandUser .*/AuthorizedKeysCommandUser '"$SB_KEYS_USER"'/' /etc/ssh/sshd_config.d/iam-login.conf
mkdir -p "$SB/ssh" && ssh-keygen -q -t ed25519 -N '' -f "$SB/ssh/host_ed25519"
SSHD_PORT=$(free_port)
# Only what a test needs (loopback port, its own host key); sorts before iam-login.conf.
printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s\nPidFile none\nLogLevel VERBOSE\n' \
	"$SSHD_PORT" "$SB/ssh/host_ed25519" >/etc/ssh/sshd_config.d/00-test.conf
check_match "Debian's sshd_config includes the drop-in directory" "^Include /etc/ssh/sshd_config.d/\*.conf" \
	"$(grep '^Include' /etc/ssh/sshd_config)"
check "sshd -t accepts the config" /usr/sbin/sshd -t -f /etc/ssh/sshd_config

eff() { /usr/sbin/sshd -T -f /etc/ssh/sshd_config -C "user=$1,host=localhost,addr=127.0.0.1" 2>&1 | grep -i "^$2 "; }
check_eq "effective for admin (local): authenticationmethods any" "authenticationmethods any" "$(eff admin authenticationmethods)"
check_eq "effective for admin: its own authorized_keys" "authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2" "$(eff admin authorizedkeysfile)"
check_eq "effective for admin: keyboard-interactive stays as Debian has it (off)" "kbdinteractiveauthentication no" "$(eff admin kbdinteractiveauthentication)"
check_eq "effective for alice (IAM): key then PAM" "authenticationmethods publickey,keyboard-interactive:pam" "$(eff alice authenticationmethods)"
check_eq "effective for alice: no authorized_keys file" "authorizedkeysfile none" "$(eff alice authorizedkeysfile)"
check_eq "effective for alice: keyboard-interactive on" "kbdinteractiveauthentication yes" "$(eff alice kbdinteractiveauthentication)"

SSHD_LOG=$SB/ssh/sshd.log
start_sshd() {
	[ -n "${SSHD_PID:-}" ] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
	/usr/sbin/sshd -D -e -f /etc/ssh/sshd_config >>"$SSHD_LOG" 2>&1 &
	SSHD_PID=$!
	for i in $(seq 1 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $SSHD_PORT), 1)" 2>/dev/null && break
		sleep 0.05
	done
	export SSHD_PORT SSHD_PID
}
start_sshd

cat >"$SB/askpass" <<EOF
#!/bin/sh
printf '%s\n' "\$1" >>"$SB/prompts"
cat "$SB/code"
EOF
chmod 0755 "$SB/askpass"
ssh_kbd() { # ssh_kbd USER KEY CODE COMMAND...: key, then keyboard-interactive answered with CODE
	local user=$1 key=$2
	printf '%s\n' "$3" >"$SB/code"
	shift 3
	: >"$SB/prompts"
	SSH_ASKPASS="$SB/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none setsid -w \
		ssh -F /dev/null -i "$key" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 \
		-o PreferredAuthentications=publickey,keyboard-interactive,password \
		-o NumberOfPasswordPrompts=1 -p "$SSHD_PORT" "$user@127.0.0.1" "$@" </dev/null
}
code() { oathtool --totp -b "$SECRET" -N "@$(($(date +%s) + ${1:-0}))"; }

# ---- the local key-only account ---------------------------------------------------
check_eq "admin (local, key only) logs in with its key alone" "admin" "$(ssh_as admin "${KEY[admin]}" id -un 2>&1)"
check_eq "... and is never prompted (no code, no password)" "admin" "$(ssh_kbd admin "${KEY[admin]}" 000000 id -un 2>&1)"
check_eq "... no prompt was shown" "" "$(cat "$SB/prompts")"
check_eq "... faillock counted nothing for admin" "0" "$(faillock --dir /run/faillock --user admin | grep -c ' V$')"

# ---- IAM users ---------------------------------------------------------------------
check_eq "alice with her IAM key but no code (publickey only): refused" "" "$(ssh_as alice "${KEY[alice]}" id -un 2>/dev/null)"
s=$(($(date +%s) % 30)); [ $s -ge 24 ] && sleep $((31 - s))
check_eq "alice with her IAM key and her code: logged in" "alice" "$(ssh_kbd alice "${KEY[alice]}" "$(code)" id -un 2>/dev/null)"
check_match "... asked for the code" "Verification code" "$(cat "$SB/prompts")"
check_eq "a key planted in alice's authorized_keys: refused, even with a right code" "" \
	"$(ssh_kbd alice "${KEY[planted]}" "$(code 30)" id -un 2>/dev/null)"
check_eq "frank (IAM, not enrolled, if-enrolled) logs in with his IAM key alone" "frank" \
	"$(ssh_kbd frank "${KEY[frank]}" 000000 id -un 2>/dev/null)"
check_eq "... never asked for a code" "" "$(cat "$SB/prompts")"

# ---- iam-login doctor reads the same effective settings --------------------------
doctor() { /usr/sbin/iam-login doctor --offline 2>&1; }
OUT=$(doctor)
check_match "doctor, shipped setup: key command and its user" "^ok    sshd gets keys from /usr/sbin/iam-authorized-keys %u %f as $SB_KEYS_USER" "$OUT"
check_match "doctor, shipped setup: IAM users get key then PAM" "^ok    sshd asks IAM users \(e.g. [a-z-]+\) for their key, then PAM" "$OUT"
check_match "doctor, shipped setup: the local key-only account keeps access" "^ok    sshd: 1 local account with authorized_keys keeps access" "$OUT"
check_nomatch "doctor, shipped setup: no sshd FAIL" "^FAIL  .*(sshd|ssh|locked)" "$OUT"

check_match "doctor, shipped setup: sshd's PAM stack holds pam_iam" "^ok    /etc/pam.d/sshd stacks pam_iam" "$OUT"
# The MFA drop-in without the PAM file (Debian's own /etc/pam.d/sshd): named as a FAIL.
cp /etc/pam.d/sshd "$SB/pam-sshd.iam"
printf '@include common-auth\naccount required pam_nologin.so\n@include common-account\n' >/etc/pam.d/sshd
check_match "doctor: MFA drop-in but no pam_iam in sshd's PAM stack" \
	"^FAIL  iam-login-mfa.conf sends IAM users to PAM but /etc/pam.d/sshd has no pam_iam" "$(doctor)"
cp "$SB/pam-sshd.iam" /etc/pam.d/sshd

# EC2 Instance Connect installed (its command present) but not chained: named.
_sb_overlay /usr/share || not_ok "overlay /usr/share"
mkdir -p /usr/share/ec2-instance-connect
printf '#!/bin/sh\nexit 0\n' >/usr/share/ec2-instance-connect/eic_run_authorized_keys
chmod 0755 /usr/share/ec2-instance-connect/eic_run_authorized_keys
check_match "doctor: EIC installed but not chained, with the line to add" \
	"^WARN  EC2 Instance Connect is installed .*chain = /usr/share/ec2-instance-connect/eic_run_authorized_keys %u %f" "$(doctor)"
rm -r /usr/share/ec2-instance-connect

# The old README step 8: the MFA methods for everyone.
printf 'KbdInteractiveAuthentication yes\nAuthenticationMethods publickey,keyboard-interactive:pam\n' \
	>/etc/ssh/sshd_config.d/50-global.conf
start_sshd
check_eq "global AuthenticationMethods: admin is locked out for real" "" "$(ssh_kbd admin "${KEY[admin]}" 000000 id -un 2>/dev/null)"
check_match "doctor names the local account that is locked out" \
	"^FAIL  local account admin would be locked out of ssh: sshd asks it for 'publickey,keyboard-interactive:pam' after its key and it has no password" "$(doctor)"
rm /etc/ssh/sshd_config.d/50-global.conf
start_sshd
check_eq "without it, admin is back in" "admin" "$(ssh_as admin "${KEY[admin]}" id -un 2>&1)"

# README step 8 skipped: keys only. MFA is not enforced for IAM users, and a
# drop-in with its Match block cut off honours their own authorized_keys.
rm /etc/ssh/sshd_config.d/iam-login-mfa.conf
sed -i '/^Match Group/,$d' /etc/ssh/sshd_config.d/iam-login.conf
OUT=$(doctor)
check_match "doctor: MFA not enforced for IAM users by the effective config" \
	"^FAIL  MFA is not enforced for IAM users by sshd: for [a-z-]+ AuthenticationMethods is 'any'" "$OUT"
check_match "doctor: IAM users' own authorized_keys honoured" "^WARN  sshd honours IAM users' own authorized_keys" "$OUT"
check_eq "doctor exits 1 on a FAIL" 1 "$(/usr/sbin/iam-login doctor --offline >/dev/null 2>&1; echo $?)"

kill "$SSHD_PID" 2>/dev/null
wait "$SSHD_PID" 2>/dev/null
SSHD_PID=
[ "$TAP_FAILED" -eq 0 ]
