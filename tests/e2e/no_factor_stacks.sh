#!/usr/bin/env bash
# Issue 8 finding 1 with the real programs: no login without a verified factor.
# In a private mount namespace with the shipped configuration:
#   - su through common-auth made by the real pam-auth-update from the shipped
#     profile: a local user cannot su to an IAM user who has no TOTP secret (the
#     escalation was: su frank -> frank is in iam-admins -> sudo -> root); an
#     enrolled IAM user needs their code; a local user's password still works.
#   - sshd with the shipped pam.d file and drop-in but WITHOUT the README's
#     AuthenticationMethods line: keyboard-interactive alone lets no IAM user in;
#     with AuthenticationMethods publickey,keyboard-interactive an unenrolled IAM
#     user (mfa = if-enrolled) gets in because sshd proves the key (ExposeAuthInfo).
#   - finding 2's second half: the profile stacks pam_faillock, so wrong codes
#     lock the account (deny = 3) while PAM_IGNORE answers are not counted.
# The snapshot is built with mksnap: no IAM is needed.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

for t in su sshd ssh setpriv oathtool pam-auth-update openssl; do
	command -v $t >/dev/null || { skip "no-factor stacks" "$t missing"; exit 0; }
done
for f in pam_iam.so libnss_iam.so.2 iam-login iam-authorized-keys tests/tools/mksnap; do
	[ -e "$BUILD/$f" ] || { not_ok "built: $BUILD/$f"; exit 1; }
done
sandbox_setup || { not_ok "sandbox_setup"; exit 1; }
_sb_overlay /home || { not_ok "overlay /home"; exit 1; } # pam_mkhomedir writes there

NOW=$(date +%s)
"$BUILD/tests/tools/mksnap" - "$SB_STATE" >/dev/null <<EOF || not_ok "mksnap"
account 123456789012
created $NOW
group iam-admins 250000001 admins AGPAADMINS0000000001 arn:aws:iam::123456789012:group/admins
group iam-users 250000009 - - -
user frank 200000006 200000006 Frank /home/frank /bin/sh frank AIDAFRANK00000000006 arn:aws:iam::123456789012:user/frank iam-admins,iam-users
user alice 200000001 200000001 Alice /home/alice /bin/sh alice AIDAALICE00000000001 arn:aws:iam::123456789012:user/alice iam-admins,iam-users
user carl 200000003 200000003 Carl /home/carl /bin/sh carl AIDACARL000000000003 arn:aws:iam::123456789012:user/carl iam-users
EOF
sandbox_config "[directory]" "state_dir = $SB_STATE" \
	"[mfa]" "usersfile = /etc/iam-login/totp.users" "policy = if-enrolled" \
	"[pam]" "max_snapshot_age = 3600"
ALICE_KEY=3132333435363738393031323334353637383930
CARL_KEY=00112233445566778899aabbccddeeff00112233
# keyed by name and by IAM UserId: this test is about who needs a factor, not the key
printf 'HOTP/T30/6\t%s\t-\t%s\n' alice "$ALICE_KEY" AIDAALICE00000000001 "$ALICE_KEY" \
	carl "$CARL_KEY" AIDACARL000000000003 "$CARL_KEY" >/etc/iam-login/totp.users
chmod 0600 /etc/iam-login/totp.users
check_eq "NSS sees IAM user frank" "frank" "$(getent passwd frank | cut -d: -f1)"

install -m 0644 "$BUILD/pam_iam.so" "$SB_LIBDIR/security/pam_iam.so"
_sb_overlay /usr/share/pam-configs || { not_ok "overlay pam-configs"; exit 1; }
cp "$TOP/conf/pam-configs/iam-login" /usr/share/pam-configs/iam-login
check "pam-auth-update --enable iam-login (the shipped profile)" \
	env DEBIAN_FRONTEND=noninteractive pam-auth-update --enable iam-login --force

# A local attacker (no privileges) and a local user with a password.
sandbox_local_user mallory 5001
sandbox_local_user lena 5002
HASH=$(openssl passwd -6 'lena-pass-1')
sed -i '/^lena:/d' /etc/shadow 2>/dev/null
echo "lena:$HASH:19000:0:99999:7:::" >>/etc/shadow
as_local() { # as_local UID CMD...
	local uid=$1
	shift
	setpriv --reuid "$uid" --regid "$uid" --clear-groups \
		env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME=/ "$@"
}
code() { oathtool --totp -N "@$(($(date +%s) + ${2:-0}))" "${KEYHEX:-$ALICE_KEY}"; }
wait_step() { local s=$(($(date +%s) % 30)); [ $s -ge 24 ] && sleep $((31 - s)); return 0; }

# ---- su ------------------------------------------------------------------------------
OUT=$(printf '123456\n' | as_local 5001 timeout 20 su frank -c 'id -un' 2>&1)
check_nomatch "su to unenrolled IAM user frank without any credential: refused (finding 1)" "^frank$" "$OUT"
OUT=$(printf '\n' | as_local 5001 timeout 20 su frank -c 'id -un' 2>&1)
check_nomatch "su to frank with an empty answer: refused" "^frank$" "$OUT"
wait_step
OUT=$(code | as_local 5001 timeout 20 su alice -c 'id -un' 2>&1)
check_match "su to enrolled IAM user alice with her current code: allowed" "alice$" "$(tail -1 <<<"$OUT")"
OUT=$(printf '000000\n' | as_local 5001 timeout 20 su alice -c 'id -un' 2>&1)
check_nomatch "su to alice with a wrong code: refused" "^alice$" "$OUT"
OUT=$(printf 'lena-pass-1\n' | as_local 5001 timeout 20 su lena -c 'id -un' 2>&1)
check_match "su to local lena with her password: unchanged" "lena$" "$(tail -1 <<<"$OUT")"
OUT=$(printf 'wrong\n' | as_local 5001 timeout 20 su lena -c 'id -un' 2>&1)
check_nomatch "su to lena with a wrong password: refused" "^lena$" "$OUT"

# ---- pam_faillock in the shipped profile (finding 2): IAM code failures lock the account --
check_match "common-auth from the profile stacks pam_faillock around pam_iam" \
	"pam_faillock.so preauth.*pam_iam.so.*pam_faillock.so authfail.*pam_faillock.so authsucc" \
	"$(grep -v '^#' /etc/pam.d/common-auth | tr '\n' ' ')"
mkdir -p /run/faillock
printf 'dir = /run/faillock\ndeny = 3\nunlock_time = 600\n' >/etc/security/faillock.conf
tally() { faillock --dir /run/faillock --user "$1" | grep -cE '^[0-9]{4}-'; }
check_eq "alice's wrong code was counted by faillock" "1" "$(tally alice)"
check_eq "su to unenrolled frank (PAM_IGNORE) and lena's bad password are not counted as IAM failures" \
	"0 0" "$(tally frank) $(tally lena)"
for i in 1 2; do printf '000000\n' | as_local 5001 timeout 20 su alice -c true >/dev/null 2>&1; done
check_eq "three wrong codes: three failures on record" "3" "$(tally alice)"
s=$(($(date +%s) % 30))
sleep $((31 - s)) # the next step: pam_iam's own throttle (3 per step) is over
OUT=$(code | as_local 5001 timeout 20 su alice -c 'id -un' 2>&1)
check_nomatch "after deny = 3 failures alice's correct code is refused: faillock holds the account" \
	"^alice$" "$OUT"
check_match "... and su says why" "locked" "$OUT"
faillock --dir /run/faillock --user alice --reset
OUT=$(code | as_local 5001 timeout 20 su alice -c 'id -un' 2>&1)
check_match "after faillock --reset the same code lets her in" "alice$" "$(tail -1 <<<"$OUT")"
check_eq "... and the success reset her record (authsucc)" "0" "$(tally alice)"

# ---- sshd --------------------------------------------------------------------------------
install -m 0644 "$TOP/conf/pam.d/sshd-iam-login" /etc/pam.d/sshd
mkdir -p /run/faillock
printf 'dir = /run/faillock\ndeny = 50\n' >/etc/security/faillock.conf
cat >"$SB/askpass" <<EOF
#!/bin/sh
cat "$SB/answer"
EOF
chmod 0755 "$SB/askpass"
ssh_kbd() { # ssh_kbd USER ANSWER METHODS [IDENTITY]
	printf '%s\n' "$2" >"$SB/answer"
	SSH_ASKPASS="$SB/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none setsid -w \
		ssh -F /dev/null ${4:+-i "$4" -o IdentitiesOnly=yes} -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 \
		-o PreferredAuthentications="$3" -o NumberOfPasswordPrompts=1 \
		-p "$SSHD_PORT" "$1@127.0.0.1" id -un </dev/null 2>&1
}

# The drop-in as shipped, keyboard-interactive on, the README's AuthenticationMethods missing.
sshd_start "UsePAM yes" "KbdInteractiveAuthentication yes" \
	"Include $TOP/conf/sshd_config.d/iam-login.conf" || { not_ok "sshd_start" "$(cat "$SSHD_LOG")"; exit 1; }
OUT=$(ssh_kbd frank 123456 keyboard-interactive)
check_nomatch "sshd without AuthenticationMethods: frank, no key, any code: refused (finding 1)" "^frank$" "$OUT"
OUT=$(ssh_kbd frank "" keyboard-interactive)
check_nomatch "sshd without AuthenticationMethods: frank, empty answer: refused" "^frank$" "$OUT"
wait_step
OUT=$(ssh_kbd carl "$(KEYHEX=$CARL_KEY code)" keyboard-interactive)
check_eq "sshd without AuthenticationMethods: enrolled carl with his code: allowed (TOTP is his factor)" "carl" "$OUT"
sshd_stop

# Key + keyboard-interactive (the README's setup): sshd proves the key, pam_iam lets the
# unenrolled IAM user in under if-enrolled.
KEY=$(sandbox_keygen frank)
install -d -m 0755 /etc/ssh/test-keys
install -m 0644 "$KEY.pub" /etc/ssh/test-keys/frank
sshd_start "UsePAM yes" "KbdInteractiveAuthentication yes" \
	"AuthenticationMethods publickey,keyboard-interactive:pam" \
	"AuthorizedKeysFile /etc/ssh/test-keys/%u" \
	"Include $TOP/conf/sshd_config.d/iam-login-mfa.conf" || { not_ok "sshd_start" "$(cat "$SSHD_LOG")"; exit 1; }
OUT=$(ssh_kbd frank "" publickey,keyboard-interactive "$KEY")
check_eq "key + keyboard-interactive, unenrolled frank (if-enrolled): allowed, sshd proved the key" "frank" "$OUT"
OUT=$(ssh_kbd frank "" keyboard-interactive "$KEY")
check_nomatch "... but keyboard-interactive alone is still refused" "^frank$" "$OUT"
sshd_stop

[ "$TAP_FAILED" -eq 0 ]
