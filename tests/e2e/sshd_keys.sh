#!/usr/bin/env bash
# End to end: Debian's sshd with the iam-login drop-in, the built
# iam-authorized-keys as AuthorizedKeysCommand (run as the iam-login-keys user
# with ~/.aws/credentials), libnss_iam from the snapshot `iam-login sync`
# writes (as the service user), moto as IAM
# behind the counting proxy, and the real ssh client.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"
source "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

for f in "$BUILD/iam-authorized-keys" "$BUILD/iam-login" "$BUILD/libnss_iam.so.2"; do
	[ -x "$f" ] || [ -f "$f" ] || { skip "sshd_keys" "$f not built"; exit 0; }
done
moto_available || { skip "sshd_keys" "moto_server or aws CLI missing"; exit 0; }
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || { skip "sshd_keys" "no sshd"; exit 0; }

moto_start || { not_ok "moto_start"; exit 1; }
proxy_start
sandbox_setup || { not_ok "sandbox_setup"; exit 1; }
sandbox_syslog || { not_ok "sandbox_syslog"; exit 1; }

# IAM: alice and bob in ssh-users, carol not; keys uploaded as the users would.
aws_admin iam create-group --group-name ssh-users >/dev/null
declare -A IAMID ARN
for u in alice bob carol dave; do
	out=$(aws_admin iam create-user --user-name "$u")
	IAMID[$u]=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["User"]["UserId"])')
	ARN[$u]=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["User"]["Arn"])')
done
aws_admin iam add-user-to-group --group-name ssh-users --user-name alice
aws_admin iam add-user-to-group --group-name ssh-users --user-name bob
aws_admin iam add-user-to-group --group-name ssh-users --user-name dave

upload() { # upload USER PUBFILE -> key id
	aws_admin iam upload-ssh-public-key --user-name "$1" --ssh-public-key-body "$(cat "$2")" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["SSHPublicKey"]["SSHPublicKeyId"])'
}
alice_ed=$(sandbox_keygen alice_ed)
alice_rsa=$(sandbox_keygen alice_rsa rsa)
bob_key=$(sandbox_keygen bob)
carol_key=$(sandbox_keygen carol)
dave_key=$(sandbox_keygen dave)
stranger=$(sandbox_keygen stranger)
alice_ed_id=$(upload alice "$alice_ed.pub")
alice_rsa_id=$(upload alice "$alice_rsa.pub")
upload bob "$bob_key.pub" >/dev/null
upload carol "$carol_key.pub" >/dev/null
dave_key_id=$(upload dave "$dave_key.pub")

MOTO_URL=$PROXY_URL moto_config "$SB_CONF" "[directory]" "state_dir = $SB_STATE" \
	"[keys]" "cache_dir = $SB_CACHE" "ttl = 6" "negative_ttl = 1" "deadline = 4" \
	"login_groups = ssh-users"
chown root:root "$SB_CONF"
sandbox_service_creds "$HOST_AK" "$HOST_SK"

# The directory snapshot, written by the real sync as the service user.
sync_now() { sandbox_sync --quiet; }
check "iam-login sync (as iam-login) writes the snapshot" sync_now
UID_ALICE=$(getent passwd alice | cut -d: -f3)
UID_BOB=$(getent passwd bob | cut -d: -f3)
check "NSS resolves alice from the snapshot, uid in the IAM range ($UID_ALICE)" \
	test "${UID_ALICE:-0}" -ge 200000000 -a "${UID_ALICE:-0}" -le 299999999
check_eq "alice is in iam-ssh-users" "yes" "$(id -nG alice | grep -qw iam-ssh-users && echo yes)"

sshd_start "Include $TOP/conf/sshd_config.d/iam-login.conf" ||
	{ not_ok "sshd_start" "$(cat "$SSHD_LOG")"; exit 1; }
check_match "sshd uses the drop-in" "authorizedkeyscommand /usr/sbin/iam-authorized-keys %u" \
	"$(/usr/sbin/sshd -T -f "$SSHD_CONFIG" 2>/dev/null | grep -i '^authorizedkeyscommand ')"

login() { ssh_as "$1" "$2" id -u 2>/dev/null; }
calls() { echo $(($(proxy_count ListSSHPublicKeys) + $(proxy_count GetSSHPublicKey))); }

check_eq "alice logs in with her IAM ed25519 key, as her uid" "$UID_ALICE" "$(login alice "$alice_ed")"
check_eq "alice logs in with her IAM RSA key" "$UID_ALICE" "$(login alice "$alice_rsa")"
check_eq "one List and one Get per key for alice so far (cache)" "1 2" \
	"$(proxy_count ListSSHPublicKeys) $(proxy_count GetSSHPublicKey)"
fp() { ssh-keygen -lf "$1.pub" | cut -d' ' -f2; }
line=$(grep -E 'iam-authorized-keys\[[0-9]+\]: user=alice .*cache=miss' "$SB_SYSLOG" | head -1)
check_match "audit: one LOG_AUTHPRIV line for alice's first answer, with ARN" \
	"^<86>.* user=alice arn=${ARN[alice]} result=offered keys=" "$line"
contains() { case "$2" in *"$1"*) return 0 ;; esac; return 1; } # fingerprints hold regex characters
check "audit: names the ed25519 key id and fingerprint" contains "$alice_ed_id=$(fp "$alice_ed")" "$line"
check "audit: names the RSA key id and fingerprint" contains "$alice_rsa_id=$(fp "$alice_rsa")" "$line"
check_match "audit: later answers are cache hits" "user=alice arn=.* cache=hit" "$(cat "$SB_SYSLOG")"
check_eq "bob logs in" "$UID_BOB" "$(login bob "$bob_key")"

# Revocation delays, measured (README "Revocation and new keys"): seconds from
# the change in IAM to the first refused login, logging in every 0.2 s.
# refused_after T0 USER KEY LIMIT_S: prints the seconds (one decimal) once USER
# is refused, or fails after LIMIT_S.
now_ms() { date +%s%3N; }
refused_after() {
	local t0=$1 end=$(($1 + $4 * 1000))
	while [ "$(now_ms)" -lt "$end" ]; do
		if [ -z "$(login "$2" "$3")" ]; then
			local d=$(($(now_ms) - t0))
			printf '%d.%d\n' $((d / 1000)) $((d % 1000 / 100))
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# root (an operator) looks at the key command user's cache and refreshes it.
out=$(env $(host_env) /usr/sbin/iam-login keys --refresh alice 2>&1)
check_match "iam-login keys --refresh as root on the key command user's cache" "cache +miss" "$out"
check_match "iam-login keys shows both of alice's key ids" "$alice_ed_id.*Active.*ssh-ed25519" "$out"
check_eq "files root wrote stay the key command user's" "iam-login-keys iam-login-keys" \
	"$(stat -c %U "$SB_CACHE/u_alice.keys") $(stat -c %U "$SB_CACHE/u_alice.lock")"
check_eq "alice still logs in after root's refresh" "$UID_ALICE" "$(login alice "$alice_ed")"
# issue 9: root has no AWS credentials of its own; `iam-login keys` runs as the
# key command's user with that user's ~/.aws, and leaves no failure marker.
out=$(env -i PATH=/usr/sbin:/usr/bin:/bin HOME=/root /usr/sbin/iam-login keys --refresh bob 2>&1)
check_match "root without credentials: keys fetched with the key command user's credentials" "cache +miss" "$out"
check_eq "root without credentials: no failure marker, the entry is the key command user's" "iam-login-keys" \
	"$(stat -c %U "$SB_CACHE/u_bob.keys"; ls "$SB_CACHE" | grep -i fail)"
check_eq "bob logs in right after root's look" "$UID_BOB" "$(login bob "$bob_key")"
# issue 12: a key uploaded while bob's cached list is fresh works on the first try
# (the drop-in passes %f; the list is refreshed once for a key it lacks). The TTL
# (6 s) must outlast the aws CLI upload (up to 2.5 s here), or the list is
# simply stale and this becomes a plain miss.
bob_new=$(sandbox_keygen bob_new)
aws_admin iam upload-ssh-public-key --user-name bob --ssh-public-key-body "$(cat "$bob_new.pub")" >/dev/null
t0=$(date +%s%3N)
check_eq "bob's key uploaded a moment ago: logged in on the first attempt" "$UID_BOB" "$(login bob "$bob_new")"
d=$(($(date +%s%3N) - t0))
echo "# measured: upload→login $((d / 1000)).$(printf '%03d' $((d % 1000))) s (first attempt, the cached list fresh, ttl 6 s: one refresh)"
check_match "audit: the refresh for the offered key is logged" "user=bob .*refresh=offered-key-missing" "$(cat "$SB_SYSLOG")"
check_eq "alice with bob's key is refused" "" "$(login alice "$bob_key")"
check_eq "alice with a key not in IAM is refused" "" "$(login alice "$stranger")"
before=$(calls)
check_eq "carol (not in the login group) is refused" "" "$(login carol "$carol_key")"
check_eq "root (local account) is refused" "" "$(login root "$alice_ed")"
check_eq "a name in neither IAM nor passwd is refused" "" "$(login nosuchuser "$alice_ed")"
check_eq "refusals for carol, root and nosuchuser made no API call" "$before" "$(calls)"
check_match "audit: carol's refusal is logged with the reason" \
	'user=carol result=refused reason="not in a login group"' "$(cat "$SB_SYSLOG")"

# Key set Inactive in IAM: refused once the cache entry expires; the other key still works.
aws_admin iam update-ssh-public-key --user-name alice --ssh-public-key-id "$alice_rsa_id" --status Inactive
t0=$(now_ms)
took=$(refused_after "$t0" alice "$alice_rsa" 9)
check "alice's Inactive key is refused within ttl (6 s) + one login (${took:-never} s)" test -n "$took"
echo "# measured: Inactive→refusal ${took:-none} s (ttl 6 s)"
check_eq "alice's Active key still works" "$UID_ALICE" "$(login alice "$alice_ed")"

# Key deleted in IAM.
aws_admin iam delete-ssh-public-key --user-name alice --ssh-public-key-id "$alice_ed_id"
t0=$(now_ms)
took=$(refused_after "$t0" alice "$alice_ed" 9)
check "alice's deleted key is refused within ttl (6 s) + one login (${took:-never} s)" test -n "$took"
echo "# measured: delete→refusal ${took:-none} s (ttl 6 s)"
out=$(as_keys /usr/sbin/iam-authorized-keys alice)
check_eq "alice now has no key offered" "" "$out"

# bob removed from the login group, then a new snapshot (here at once; on a
# host the sync timer's next run). Until then his IAM keys still answer.
aws_admin iam remove-user-from-group --group-name ssh-users --user-name bob
t0=$(now_ms)
check_eq "bob, removed from the login group, still logs in before the next sync" "$UID_BOB" "$(login bob "$bob_key")"
ts=$(now_ms)
check "sync after bob left ssh-users" sync_now
ts=$(($(now_ms) - ts))
took=$(refused_after "$t0" bob "$bob_key" 5)
check "bob, removed from the login group, is refused at the first login after the sync" test -n "$took"
echo "# measured: removed from the login group→refusal ${took:-none} s, the sync run at once taking $ts ms (bound: the sync timer's period)"

# dave deleted from IAM (keys, group, user): his cached list expires within the
# ttl and IAM then has no user: refused even before the next sync, which then
# removes the account.
check_eq "dave logs in" "$(getent passwd dave | cut -d: -f3)" "$(login dave "$dave_key")"
aws_admin iam delete-ssh-public-key --user-name dave --ssh-public-key-id "$dave_key_id"
aws_admin iam remove-user-from-group --group-name ssh-users --user-name dave
aws_admin iam delete-user --user-name dave
t0=$(now_ms)
took=$(refused_after "$t0" dave "$dave_key" 9)
check "dave, deleted in IAM, is refused within ttl (6 s), before any sync (${took:-never} s)" test -n "$took"
echo "# measured: user deleted→refusal ${took:-none} s without a sync (ttl 6 s)"
check "sync after dave's deletion" sync_now
check_eq "dave is gone from the host after the sync" "" "$(getent passwd dave)"
# issue 12 item 6: revoke-check says what the host does for a user now, and why
out=$(/usr/sbin/iam-login revoke-check bob 2>&1)
check_match "revoke-check bob: refused, not in the login groups any more" \
	"verdict   ssh: refused: not in \[keys\] login_groups \(ssh-users\)" "$out"
out=$(/usr/sbin/iam-login revoke-check alice 2>&1)
check_match "revoke-check alice: her cached keys and their age" "^cache     [0-9]+ active key\(s\) cached, fetched [0-9]+ s ago" "$out"
check_match "revoke-check alice: allowed with the key alone (if-enrolled, not enrolled)" \
	"verdict   ssh: allowed with the key alone" "$out"
check_match "revoke-check alice: her groups" "^groups    .*iam-ssh-users" "$out"
check_match "revoke-check root: not an IAM user" "verdict   root is not an IAM user here" \
	"$(/usr/sbin/iam-login revoke-check root 2>&1)"

# What sshd would have passed through: the command's stdout has only key lines.
aws_admin iam update-ssh-public-key --user-name alice --ssh-public-key-id "$alice_rsa_id" --status Active
sleep 6.2
out=$(as_keys /usr/sbin/iam-authorized-keys alice)
check_eq "the command prints exactly alice's active key, reduced" \
	"$(cut -d' ' -f1-3 "$alice_rsa.pub")" "$out"
check_eq "re-activated key logs in again" "$UID_ALICE" "$(login alice "$alice_rsa")"
check_match "sshd ran the command as iam-login-keys and accepted the key" \
	"Accepted publickey for alice" "$(cat "$SSHD_LOG")"
check_nomatch "sshd saw no unsafe-command complaints" "Unsafe AuthorizedKeysCommand|bad ownership" \
	"$(cat "$SSHD_LOG")"
exit 0
