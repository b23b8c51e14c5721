#!/usr/bin/env bash
# iam-authorized-keys against moto behind the counting proxy: single-flight
# burst, free refusals for names not in the snapshot, IAM outage behaviour
# (stale within max age, fail closed beyond it and for cold users, bounded
# time), root refusal, hostile IAM answers from a fake upstream.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"

AK=$BUILD/iam-authorized-keys
IL=$BUILD/iam-login
MKSNAP=$BUILD/tests/tools/mksnap
for f in "$AK" "$MKSNAP"; do
	[ -x "$f" ] || { skip "keys" "$f not built"; exit 0; }
done
moto_available || { skip "keys" "moto_server or aws CLI missing"; exit 0; }

T=$(mktemp -d -t keys-it.XXXXXX)
FAKE_PID=
cleanup() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
	proxy_stop
	moto_stop
	rm -rf "$T"
}
moto_start || { not_ok "moto_start"; exit 1; }
proxy_start
trap cleanup EXIT
mkdir -p "$T/state" "$T/cache" "$T/keys"
chmod 0700 "$T/cache"

declare -A IAMID ARN
mkuser() {
	local out
	out=$(aws_admin iam create-user --user-name "$1") || return 1
	IAMID[$1]=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["User"]["UserId"])')
	ARN[$1]=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["User"]["Arn"])')
}
upload() { # upload USER -> prints the public key line
	local k=$T/keys/$1.$RANDOM
	ssh-keygen -q -t ed25519 -N '' -C "$1@test" -f "$k" </dev/null
	aws_admin iam upload-ssh-public-key --user-name "$1" --ssh-public-key-body "$(cat "$k.pub")" >/dev/null
	cat "$k.pub"
}
for u in alice bob carol dave erin; do mkuser "$u"; done
alice_keys=$( (upload alice; upload alice) | sort)
bob_key=$(upload bob)
upload carol >/dev/null
upload dave >/dev/null
erin_key=$(upload erin)

# Fake-IAM users for the hostile test get made-up ids.
IAMID[mallory]=AIDAMALLORY000000001 ARN[mallory]=arn:aws:iam::123456789012:user/mallory
IAMID[huge]=AIDAHUGE000000000001 ARN[huge]=arn:aws:iam::123456789012:user/huge
IAMID[ghost]=AIDAGHOST00000000001 ARN[ghost]=arn:aws:iam::123456789012:user/ghost
{
	echo "account 123456789012"
	echo "created $(date +%s)" # the key command refuses a snapshot older than max_snapshot_age
	i=1
	for u in alice bob carol dave erin mallory huge ghost; do
		echo "user $u $((200000 + i)) $((200000 + i)) - /home/$u /bin/sh $u ${IAMID[$u]} ${ARN[$u]}"
		i=$((i + 1))
	done
} | "$MKSNAP" - "$T/state" >/dev/null || { not_ok "mksnap"; exit 1; }

# conf NAME ENDPOINT [extra [keys] lines]
conf() {
	local f=$T/$1.conf ep=$2
	shift 2
	MOTO_URL=$ep moto_config "$f" "[directory]" "state_dir = $T/state" "uid_min = 100000" \
		"[keys]" "cache_dir = $T/cache" "$@"
	echo "$f"
}
C=$(conf main "$PROXY_URL" "allow_root = yes" "deadline = 8")
export IAM_LOGIN_TEST_MODE=1
eval "export $(host_env)"
calls() { echo "$(proxy_count ListSSHPublicKeys) $(proxy_count GetSSHPublicKey)"; }
ms() { date +%s%3N; }
ctl() { echo "$1" >"$PROXY_CONTROL"; }

# --- burst: 100 concurrent invocations for one cold user ---------------------
start=$(ms)
pids=()
for i in $(seq 1 100); do
	"$AK" --config "$C" alice >"$T/burst.$i" 2>"$T/burst.$i.err" &
	pids+=($!)
done
wait "${pids[@]}" # not a bare wait: moto and the proxy are children too
echo "# burst of 100 took $(($(ms) - start)) ms"
check_eq "burst: exactly one ListSSHPublicKeys and one GetSSHPublicKey per key" "1 2" "$(calls)"
good=0
for i in $(seq 1 100); do [ "$(sort "$T/burst.$i")" = "$alice_keys" ] && good=$((good + 1)); done
check_eq "burst: all 100 invocations printed alice's 2 keys" "100" "$good"
check_eq "warm: a further invocation makes no call" "$alice_keys" "$("$AK" --config "$C" alice | sort)"
check_eq "warm: still one List, two Gets" "1 2" "$(calls)"

# --- spray: 1,000 names not in the snapshot ------------------------------------
{
	for i in $(seq 1 990); do echo "nosuch$i"; done
	printf '%s\n' root daemon sshd nobody www-data postgres ALICE 'alice@x' '../alice' 'bob '
} >"$T/names"
check_eq "spray: 1,000 names prepared" "1000" "$(wc -l <"$T/names")"
start=$(ms)
out=$(xargs -P 4 -n 50 -d '\n' sh -c 'for n; do "$0" --config "$1" "$n"; done' "$AK" "$C" <"$T/names" 2>/dev/null | wc -c)
echo "# 1,000 refusals took $(($(ms) - start)) ms"
check_eq "spray: nothing printed for 1,000 unknown or local names" "0" "$out"
check_eq "spray: zero API calls for them" "1 2" "$(calls)"

# --- a snapshot user deleted from IAM: no keys, remembered (negative entry) ---
out=$("$AK" --config "$C" ghost 2>/dev/null)
check_eq "deleted from IAM: nothing printed" "" "$out"
check_eq "deleted from IAM: one ListSSHPublicKeys" "2 2" "$(calls)"
"$AK" --config "$C" ghost >/dev/null 2>&1
check_eq "deleted from IAM: negative entry, no second call" "2 2" "$(calls)"

# --- root refusal ----------------------------------------------------------------
C_NOROOT=$(conf noroot "$PROXY_URL")
rm -f "$T/cache/u_bob.keys"
out=$("$AK" --config "$C_NOROOT" bob 2>"$T/noroot.err")
rc=$?
check_eq "as root without allow_root: exit 1 and nothing printed" "1:" "$rc:$out"
check_match "as root: says why" "refusing to run as root" "$(cat "$T/noroot.err")"
check_eq "as root: no API call" "2 2" "$(calls)"

# --- outage ----------------------------------------------------------------------------
C_OUT=$(conf outage "$PROXY_URL" "allow_root = yes" "ttl = 1" "negative_ttl = 1" "max_stale = 60" "deadline = 2")
C_SHORT=$(conf short "$PROXY_URL" "allow_root = yes" "ttl = 1" "negative_ttl = 1" "max_stale = 3" "deadline = 2")
check_eq "outage setup: bob warm" "$bob_key" "$("$AK" --config "$C_OUT" bob)"
check_eq "outage setup: erin warm" "$erin_key" "$("$AK" --config "$C_OUT" erin)"
erin_at=$(ms)
sleep 1.1
ctl '{"down": true}'
timed() { # timed VAR CMD... : stdout into VAR, elapsed ms into VAR_ms
	local t0
	t0=$(ms)
	printf -v "$1" '%s' "$("${@:2}" 2>/dev/null)"
	printf -v "$1_ms" '%s' $(($(ms) - t0))
}
timed out "$AK" --config "$C_OUT" bob
check_eq "IAM down: warm user's expired keys are served (stale)" "$bob_key" "$out"
check "IAM down: stale answer within the 2 s deadline (${out_ms} ms)" test "$out_ms" -lt 2500
timed out "$AK" --config "$C_OUT" dave
check_eq "IAM down: cold user gets nothing" "" "$out"
check "IAM down: cold refusal within the deadline (${out_ms} ms)" test "$out_ms" -lt 2500
ctl '{"delay_ms": 20000}'
timed out "$AK" --config "$C_OUT" carol
check_eq "IAM hanging: cold user gets nothing" "" "$out"
check "IAM hanging: refused within the deadline (${out_ms} ms)" test "$out_ms" -lt 2500
timed out "$AK" --config "$C_OUT" bob
check_eq "IAM hanging: warm user gets stale keys" "$bob_key" "$out"
check "IAM hanging: within the deadline (${out_ms} ms)" test "$out_ms" -lt 2500
ctl '{"throttle_share": 1.0}'
timed out "$AK" --config "$C_OUT" bob
check_eq "IAM throttling: warm user gets stale keys" "$bob_key" "$out"
check "IAM throttling: within the deadline (${out_ms} ms)" test "$out_ms" -lt 2500
C_DEAD=$(conf dead "http://127.0.0.1:$(free_port)" "allow_root = yes" "ttl = 1" "negative_ttl = 1" "max_stale = 60" "deadline = 2")
timed out "$AK" --config "$C_DEAD" bob
check_eq "IAM endpoint refusing connections: stale keys" "$bob_key" "$out"
timed out "$AK" --config "$C_DEAD" carol
check_eq "IAM endpoint refusing connections: cold user gets nothing" "" "$out"
# erin's entry, now older than 3 s: stale with max_stale 60, refused with max_stale 3.
ctl '{"down": true}'
left=$((3500 - ($(ms) - erin_at)))
[ "$left" -gt 0 ] && sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
timed out "$AK" --config "$C_OUT" erin
check_eq "IAM down, entry within max_stale (60 s): stale keys" "$erin_key" "$out"
timed out "$AK" --config "$C_SHORT" erin
check_eq "IAM down, entry beyond max_stale (3 s): fail closed" "" "$out"
check "beyond max_stale: within the deadline (${out_ms} ms)" test "$out_ms" -lt 2500
ctl '{}'
sleep 1.1 # after a failure IAM is not asked again for min(10 s, negative_ttl)
check_eq "IAM back: keys fetched again" "$erin_key" "$("$AK" --config "$C_OUT" erin)"

# Right after a failure, an outage answer is immediate (no second wait for IAM).
C_PAUSE=$(conf pause "$PROXY_URL" "allow_root = yes" "ttl = 1" "max_stale = 60" "deadline = 2")
sleep 1.1
ctl '{"delay_ms": 20000}'
timed out "$AK" --config "$C_PAUSE" erin
check_eq "IAM hanging: erin's stale keys after waiting out the deadline" "$erin_key" "$out"
n=$(proxy_count ListSSHPublicKeys)
timed out "$AK" --config "$C_PAUSE" erin
check_eq "just after that failure: stale keys again" "$erin_key" "$out"
check "just after that failure: answered at once (${out_ms} ms)" test "$out_ms" -lt 300
check_eq "just after that failure: IAM not asked again" "$n" "$(proxy_count ListSSHPublicKeys)"
ctl '{}'
sleep 1.1

# moto itself stopped (the proxy stays up, its upstream is gone).
saved_pid=$MOTO_PID
kill -STOP "$saved_pid"
timed out "$AK" --config "$C_OUT" erin
check_eq "IAM frozen (moto stopped with SIGSTOP): warm user gets stale keys" "$erin_key" "$out"
check "IAM frozen: within the deadline (${out_ms} ms)" test "$out_ms" -lt 2500
timed out "$AK" --config "$C_OUT" dave
check_eq "IAM frozen: cold user gets nothing" "" "$out"
check "IAM frozen: cold refusal within the deadline (${out_ms} ms)" test "$out_ms" -lt 2500
kill -CONT "$saved_pid"

# --- hostile answers from a fake IAM ---------------------------------------------------
FAKE_PORT=$(free_port)
B1=AAAAC3NzaC1lZDI1NTE5AAAAIEMnxRZ0xqOkUfTYNQW2c0ofbnZDTe7q96UUTISbDvFk
B2=AAAAC3NzaC1lZDI1NTE5AAAAIJNaD9qv0iLwSTtfO/drQ1n/q+2v+tSPgU5ZAqThvZ4r
python3 - "$T/fake.json" "$B1" "$B2" <<'EOF'
import json, sys
f, b1, b2 = sys.argv[1:]
k = lambda i, body, st='Active': {"id": "APKAHOSTILE%09d" % i, "status": st, "body": body}
db = {"mallory": [
    k(1, "ssh-ed25519 %s good" % b1),
    k(2, 'command="/bin/sh -c evil" ssh-ed25519 %s opt' % b1),
    k(3, 'ssh-ed25519 %s a\ncommand="evil" ssh-ed25519 %s b' % (b1, b2)),
    k(4, 'ssh-ed25519 %s a\rno-pty ssh-ed25519 %s' % (b1, b2)),
    k(5, 'ssh-dss AAAAB3NzaC1kc3MAAACBAP8= dsa'),
    k(6, 'ssh-rsa %s mismatch' % b1),
    k(7, 'ssh-rsa ' + 'A' * 15000),
    k(8, 'ssh-ed25519 %s inactive' % b2, 'Inactive'),
    k(9, 'ssh-ed25519 %s --\u00e9vil\tcomment' % b2),
    k(10, 'ssh-ed25519 %s\n\nssh-ed25519 %s' % (b1, b2)),
    k(11, 'environment="LD_PRELOAD=/tmp/x.so" ssh-ed25519 %s' % b2),
  ],
  "huge": [k(1, "ssh-ed25519 %s good" % b1), k(2, "ssh-rsa " + "A" * 20000)],
}
json.dump(db, open(f, "w"))
EOF
python3 "$TOP/tests/lib/fakeiam_keys.py" --port "$FAKE_PORT" --keys "$T/fake.json" --log "$T/fake.log" &
FAKE_PID=$!
for i in $(seq 1 50); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $FAKE_PORT), 1)" 2>/dev/null && break
	sleep 0.1
done
C_FAKE=$(conf fake "http://127.0.0.1:$FAKE_PORT" "allow_root = yes" "deadline = 4")
out=$("$AK" --config "$C_FAKE" mallory 2>"$T/mallory.err")
rc=$?
check_eq "hostile: exit 0" "0" "$rc"
check_eq "hostile: only the valid keys, reduced (comment cleaned)" \
	"ssh-ed25519 $B1 good
ssh-ed25519 $B2 ??vil comment" "$out"
check_nomatch "hostile: no option, no second key smuggled" 'command=|no-pty|environment=|ssh-dss|ssh-rsa' "$out"
bad=$(printf '%s\n' "$out" | grep -Evc '^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh.com|sk-ecdsa-sha2-nistp256@openssh.com) [A-Za-z0-9+/]+=* ?[ -~]*$')
check_eq "hostile: every output line is type base64 [printable comment]" "0" "$bad"
check_eq "hostile: cached copy gives the same answer" "$out" "$("$AK" --config "$C_FAKE" mallory 2>/dev/null)"
check_match "hostile: cache file holds no smuggled text" '^iam-login-keys 1' "$(cat "$T/cache/u_mallory.keys")"
check_nomatch "hostile: cache file holds no option text" 'command=|environment=' "$(cat "$T/cache/u_mallory.keys")"
out=$("$AK" --config "$C_FAKE" huge 2>"$T/huge.err")
check_eq "hostile: an oversized body never reaches stdout (exit 0)" "0:0" "$?:$(printf '%s' "$out" | grep -c 'AAAAAAAAAAAAAAAAAAAA')"
if [ -x "$IL" ]; then
	out=$("$IL" --config "$C_FAKE" keys mallory 2>&1)
	check_match "iam-login keys lists refused keys with the reason" "APKAHOSTILE000000002 +Active +refused: key type not allowed" "$out"
	check_match "iam-login keys shows fingerprints and the cache state" "SHA256:/6XzuAO2VV3xrSb15lhNWxo8jGZI6eU48XPEteBKkeo.*good" "$out"
	check_match "iam-login keys: cache hit" "cache +hit" "$out"
	out=$("$IL" --config "$C" keys nosuchuser 2>&1)
	check_match "iam-login keys: unknown user explained" "not an IAM user on this host" "$out"
	out=$("$IL" --config "$C" keys --refresh alice 2>&1)
	check_match "iam-login keys --refresh fetches" "cache +miss" "$out"
fi
# --- issue 12: a key uploaded while alice's list is fresh works on the first try ----
# (sshd's %f is the offered key's fingerprint; the main config has the default
# refresh_min_interval of 10 s and ttl of 300 s)
"$AK" --config "$C" alice >/dev/null # fresh entry
# alice's Lists only: a List for carol or bob held by the proxy's delay_ms above
# is answered (and counted) some 20 s later, which on some runs fell into a spray
# below and looked like a second refresh of alice's keys
lists() { proxy_count_for ListSSHPublicKeys alice; }
before=$(lists)
newkey=$(upload alice)
printf '%s\n' "$newkey" >"$T/keys/new.pub"
fp=$(ssh-keygen -lf "$T/keys/new.pub" | cut -d' ' -f2)
"$AK" --config "$C" alice "$fp" >"$T/refresh.out" 2>/dev/null
check "new key offered while the list is fresh: printed at once" grep -qF -- "$(cut -d' ' -f2 <<<"$newkey")" "$T/refresh.out"
check_eq "... with one more ListSSHPublicKeys" "$((before + 1))" "$(lists)"
# spray_wrong_keys CONF: 100 concurrent logins as alice, each offering a random
# fingerprint she does not have; returns when all have exited.
spray_wrong_keys() {
	local pids=() i
	for i in $(seq 1 100); do
		"$AK" --config "$1" alice "SHA256:$(head -c 32 /dev/urandom | base64 | tr -d '=')" >/dev/null 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}" # not a bare wait: moto and the proxy are children too
}
# 100 concurrent logins offering keys alice does not have: one refresh at most
# per interval (already spent above), so no further call
spray_wrong_keys "$C"
check_eq "100 concurrent wrong keys within refresh_min_interval: no further IAM call" "$((before + 1))" "$(lists)"
# Once the interval has passed: 100 concurrent wrong keys make exactly one refresh.
C_R2=$(conf r2 "$PROXY_URL" "allow_root = yes" "refresh_min_interval = 6" "deadline = 8")
sleep 6.1 # the first refresh's claim (any config: one per user) is now older than 6 s
b=$(lists)
t0=$(ms)
spray_wrong_keys "$C_R2"
span=$(($(ms) - t0))
made=$(($(lists) - b))
echo "# 100 concurrent wrong keys over ${span} ms: ${made} refresh(es) of alice's keys"
# Claims are at least refresh_min_interval apart (to the millisecond): a spray
# shorter than the interval makes exactly one.
check "interval passed: 100 concurrent wrong keys, one refresh per 6 s interval (${made} in ${span} ms)" \
	test "$made" -ge 1 -a "$made" -le $((1 + span / 6000))
[ "$made" -le $((1 + span / 6000)) ] || awk -v t="$t0" '$1 >= t' "$PROXY_TRACE" | sed 's/^/#   /'
before=$(($(lists) - 1))
"$AK" --config "$C" alice "$fp" >/dev/null 2>&1
"$AK" --config "$C" alice "not-a-fingerprint" >/dev/null 2>&1
check_eq "a listed key, and a malformed fingerprint (ignored): cache hits" "$((before + 1))" "$(lists)"
C_NOREFRESH=$(conf norefresh "$PROXY_URL" "allow_root = yes" "refresh_min_interval = 0")
newkey2=$(upload alice)
printf '%s\n' "$newkey2" >"$T/keys/new2.pub"
"$AK" --config "$C_NOREFRESH" alice "$(ssh-keygen -lf "$T/keys/new2.pub" | cut -d' ' -f2)" >"$T/norefresh.out" 2>/dev/null
check "refresh_min_interval = 0: no refresh, the fresh list stands" \
	bash -c '[ -s "$2" ] && ! grep -qF -- "$1" "$2"' _ "$(cut -d' ' -f2 <<<"$newkey2")" "$T/norefresh.out"
check_eq "... and no IAM call" "$((before + 1))" "$(lists)"

# moto killed outright.
moto_stop
timed out "$AK" --config "$C_OUT" erin
check_eq "IAM killed: warm user gets stale keys" "$erin_key" "$out"
check "IAM killed: within the deadline (${out_ms} ms)" test "$out_ms" -lt 2500
timed out "$AK" --config "$C_OUT" dave
check_eq "IAM killed: cold user gets nothing" "" "$out"
check "IAM killed: within the deadline (${out_ms} ms)" test "$out_ms" -lt 2500
exit 0
