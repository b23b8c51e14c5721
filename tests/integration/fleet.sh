#!/usr/bin/env bash
# Fleet mode against moto (IAM, S3, KMS; signatures and IAM policies enforced):
# one publisher signs with a KMS ECC_NIST_P256 key and uploads the bundle, 50 host
# processes (own state dirs) fetch it through a counting proxy: 0 IAM calls from
# hosts, one S3 GET each, a 304 when unchanged; the same snapshot everywhere,
# served by real getent. Hostile bundles (flipped byte, other key, other account,
# older generation, truncated) are refused with a clear status while the previous
# snapshot keeps answering; S3 down keeps logins until max_snapshot_age.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"

if ! moto_available; then skip "fleet integration" "moto_server or aws CLI missing"; exit 0; fi
if [ "$(id -u)" != 0 ]; then skip "fleet integration" "needs root for unshare -m"; exit 0; fi
for f in "$BUILD/iam-login" "$BUILD/libnss_iam.so.2" "$BUILD/tests/tools/mkbundle"; do
	[ -e "$f" ] || { not_ok "built $f"; exit 1; }
done

W=$(mktemp -d -t iam-fleet-test.XXXXXX)
chmod 0755 "$W"
moto_start || { not_ok "moto starts"; exit 1; }
proxy_start
trap 'proxy_stop; moto_stop; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
ok "moto and proxy running"
ACCOUNT=123456789012 # moto's
BUCKET=iam-login-fleet
REGION=us-east-1

# ---------------------------------------------------------------- identities
aws_admin s3api create-bucket --bucket "$BUCKET" >/dev/null || not_ok "create bucket"
KEY_ID=$(aws_admin kms create-key --key-spec ECC_NIST_P256 --key-usage SIGN_VERIFY \
	--query KeyMetadata.KeyId --output text) || not_ok "create KMS key"
# The shipped policies, filled in. moto checks S3 actions against the object's ARN but
# checks KMS actions only against "*" (it computes no KMS resource ARN), so the key's
# ARN becomes "*" here; the actions stay exactly the shipped ones.
policy() { # TEMPLATE PREFIX -> a policy file for this bucket and prefix
	sed -e "s|BUCKET|$BUCKET|g; s|PREFIX|$2|g; s|arn:aws:kms:REGION:ACCOUNT:key/KEY-ID|*|g" \
		"$TOP/conf/$1" >"$W/$1.$2"
	echo "$W/$1.$2"
}
# new_identity NAME POLICY_FILE -> "AK SK"
new_identity() {
	aws_admin iam create-user --user-name "$1" >/dev/null &&
		aws_admin iam put-user-policy --user-name "$1" --policy-name p \
			--policy-document "file://$2" >/dev/null &&
		aws_admin iam create-access-key --user-name "$1" |
		python3 -c 'import json,sys; k=json.load(sys.stdin)["AccessKey"]; print(k["AccessKeyId"], k["SecretAccessKey"])'
}
read -r PUB_AK PUB_SK < <(new_identity fleet-publisher "$(policy iam-policy-publisher.json prod)")
read -r FH_AK FH_SK < <(new_identity fleet-host "$(policy iam-policy-fleet-host.json prod)")
read -r TH_AK TH_SK < <(new_identity tamper-host "$(policy iam-policy-fleet-host.json tamper)")
[ -n "$PUB_AK" ] && [ -n "$FH_AK" ] && [ -n "$TH_AK" ] || { not_ok "identities"; exit 1; }
as() { # AK SK CMD...
	local ak=$1 sk=$2
	shift 2
	env AWS_ACCESS_KEY_ID="$ak" AWS_SECRET_ACCESS_KEY="$sk" AWS_SESSION_TOKEN= \
		AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null "$@"
}

# ---------------------------------------------------------------- seed
for u in alice bob carol; do aws_admin iam create-user --user-name "$u" >/dev/null; done
aws_admin iam create-group --group-name admins >/dev/null
aws_admin iam add-user-to-group --group-name admins --user-name alice

cat >"$W/nsswitch.conf" <<'NSS'
passwd:     files iam
group:      files iam
shadow:     files
hosts:      files
NSS
chmod 0644 "$W/nsswitch.conf"
in_ns() { # STATE_DIR CMD...: CMD sees our nsswitch.conf and STATE_DIR as /var/lib/iam-login
	local state=$1
	shift
	LD_LIBRARY_PATH=$BUILD unshare -m --propagation private sh -c '
		set -e
		mount --bind "$1" /etc/nsswitch.conf
		if [ ! -d /var/lib/iam-login ]; then
			mount -t tmpfs tmpfs /var/lib
			mkdir /var/lib/iam-login
		fi
		mount --bind "$2" /var/lib/iam-login
		shift 2
		exec "$@"' in_ns "$W/nsswitch.conf" "$state" "$@"
}
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin); exec("v="+sys.argv[1]); print(v)' "$1"; }

# ---------------------------------------------------------------- publisher
mkdir -p "$W/pub" && chmod 0755 "$W/pub"
cat >"$W/pub.conf" <<CONF
[aws]
region = $REGION
iam_endpoint = $MOTO_URL
sts_endpoint = $MOTO_URL
s3_endpoint = $PROXY_URL
kms_endpoint = $MOTO_URL
connect_timeout = 2
timeout = 10
[directory]
state_dir = $W/pub
[publish]
destination = s3://$BUCKET/prod
signing_key = kms:$KEY_ID
CONF
chmod 0644 "$W/pub.conf"
publish() { as "$PUB_AK" "$PUB_SK" "$BUILD/iam-login" --config "$W/pub.conf" publish "$@"; }
s3_puts() { grep -c "^/$BUCKET/prod/directory.bundle 200$" "$PROXY_LOG" 2>/dev/null || true; }

out=$(publish 2>&1)
check_eq "publish exits 0" 0 "$?"
check_match "publish: one line with the generation" "^published generation [0-9]+: 8 users, 1 groups" "$out"
GEN=$(echo "$out" | sed -n 's/^published generation \([0-9]*\):.*/\1/p')
PUB_IAM1=$(echo "$out" | sed -n 's/.* \([0-9]*\) IAM calls.*/\1/p')
check_match "generation is at least the Unix time of the publish" "^1[0-9]{9}$" "$GEN"
check_match "the bundle is in S3" '"ContentLength": [0-9]+' \
	"$(aws_admin s3api head-object --bucket "$BUCKET" --key prod/directory.bundle 2>&1)"
check_eq "publisher status.json: uploaded" uploaded "$(jget 'd["result"]' <"$W/pub/publish/status.json")"

out=$(publish 2>&1)
check_match "unchanged directory: not uploaded again" "^unchanged: generation $GEN " "$out"

# the public key hosts verify with: KMS GetPublicKey (DER) as PEM, root's file
aws_admin kms get-public-key --key-id "$KEY_ID" --query PublicKey --output text | base64 -d >"$W/pub.der"
openssl pkey -pubin -inform DER -in "$W/pub.der" -out "$W/publisher.pem" 2>/dev/null
chmod 0644 "$W/publisher.pem"
check_match "publisher key is P-256" "prime256v1|P-256" "$(openssl pkey -pubin -in "$W/publisher.pem" -text -noout 2>&1)"

# ---------------------------------------------------------------- 50 hosts
# host_conf N PREFIX PUBKEY [extra lines]
host_conf() {
	local n=$1 prefix=$2 key=$3
	shift 3
	mkdir -p "$W/h$n" && chmod 0755 "$W/h$n"
	{
		echo "[aws]"
		echo "region = $REGION"
		echo "iam_endpoint = $PROXY_URL"
		echo "sts_endpoint = $PROXY_URL"
		echo "s3_endpoint = $PROXY_URL"
		echo "imds_endpoint = $PROXY_URL"
		echo "connect_timeout = 1"
		echo "timeout = 4"
		echo "max_retries = 1"
		echo "[directory]"
		echo "state_dir = $W/h$n"
		echo "sync_user = nobody"
		echo "source = s3://$BUCKET/$prefix"
		echo "signing_public_key = $key"
		echo "source_account = $ACCOUNT"
		printf '%s\n' "$@"
	} >"$W/h$n.conf"
	chmod 0644 "$W/h$n.conf"
}
host_sync() { # N [args] (root: the fetch runs as nobody, then root installs)
	local n=$1
	shift
	as "$FH_AK" "$FH_SK" "$BUILD/iam-login" --config "$W/h$n.conf" sync "$@"
}
HOSTS=${FLEET_HOSTS:-50}
for n in $(seq 1 "$HOSTS"); do host_conf "$n" prod "$W/publisher.pem"; done
before=$(wc -l <"$PROXY_LOG")
failed=0
for n in $(seq 1 "$HOSTS"); do host_sync "$n" --quiet || failed=$((failed + 1)); done
check_eq "$HOSTS hosts sync from the bundle" 0 "$failed"
log=$(tail -n +$((before + 1)) "$PROXY_LOG")
check_eq "hosts made no IAM call" 0 "$(echo "$log" | grep -cv '^/')"
check_eq "one S3 GET per host" "$HOSTS" "$(echo "$log" | grep -c "^/$BUCKET/prod/directory.bundle 200$")"
check_eq "every host installed the same snapshot" 1 \
	"$(for n in $(seq 1 "$HOSTS"); do sha256sum <"$W/h$n/directory"; done | sort -u | wc -l)"
check_eq "... the publisher's generation" "$GEN" "$(as "$FH_AK" "$FH_SK" "$BUILD/iam-login" --config "$W/h7.conf" status --json | jget 'd["snapshot"]["generation"]')"
check_eq "getent passwd alice on a host" alice "$(in_ns "$W/h1" getent passwd alice | cut -d: -f1)"
check_match "getent group iam-admins on a host" "^iam-admins:\*:[0-9]+:alice$" "$(in_ns "$W/h1" getent group iam-admins)"

before=$(wc -l <"$PROXY_LOG")
for n in $(seq 1 "$HOSTS"); do host_sync "$n" --quiet || failed=$((failed + 1)); done
log=$(tail -n +$((before + 1)) "$PROXY_LOG")
check_eq "unchanged: every host gets a 304" "$HOSTS" "$(echo "$log" | grep -c "^/$BUCKET/prod/directory.bundle 304$")"
check_eq "unchanged: nothing else was requested" "$HOSTS" "$(echo "$log" | wc -l)"
out=$(host_sync 1)
check_match "sync says the bundle is unchanged" "^bundle unchanged, generation $GEN" "$out"

# an IAM change: one publish, every host follows; publisher IAM calls do not grow with hosts
aws_admin iam create-user --user-name dave >/dev/null
out=$(publish 2>&1)
check_match "publish after an IAM change" "^published generation [0-9]+: 9 users" "$out"
GEN2=$(echo "$out" | sed -n 's/^published generation \([0-9]*\):.*/\1/p')
check "generation increased" test "$GEN2" -gt "$GEN"
check_eq "the publisher's IAM calls do not grow with the $HOSTS hosts" "$PUB_IAM1" \
	"$(echo "$out" | sed -n 's/.* \([0-9]*\) IAM calls.*/\1/p')"
host_sync 3 --quiet
check_eq "a host sees dave after the next sync" dave "$(in_ns "$W/h3" getent passwd dave | cut -d: -f1)"

# ---------------------------------------------------------------- least privilege
out=$(as "$FH_AK" "$FH_SK" aws --endpoint-url "$MOTO_URL" --region "$REGION" s3api put-object \
	--bucket "$BUCKET" --key prod/directory.bundle --body /etc/hostname 2>&1)
check_match "the host policy cannot replace the bundle" "AccessDenied" "$out"
out=$(as "$TH_AK" "$TH_SK" aws --endpoint-url "$MOTO_URL" --region "$REGION" s3api get-object \
	--bucket "$BUCKET" --key prod/directory.bundle "$W/stolen" 2>&1)
check_match "a host policy for another prefix cannot read this bundle" "AccessDenied" "$out"

# ---------------------------------------------------------------- two publishers
# pub2 reads the bundle, then spends 3 s on IAM (a slow proxy); meanwhile pub1
# publishes a change. pub2's PUT carries If-Match on the ETag it read: it must lose
# and say so, and the bundle in S3 must stay pub1's.
SLOW_PORT=$(free_port)
echo '{"delay_ms": 1500}' >"$W/slow.json"
python3 "$TOP/tests/lib/iamproxy.py" --port "$SLOW_PORT" --upstream "$MOTO_URL" \
	--log "$W/slow.log" --control "$W/slow.json" &
SLOW_PID=$!
trap 'kill $SLOW_PID 2>/dev/null; proxy_stop; moto_stop; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
mkdir -p "$W/pub2" && chmod 0755 "$W/pub2"
sed -e "s|state_dir = $W/pub|state_dir = $W/pub2|" -e "s|^iam_endpoint = .*|iam_endpoint = http://127.0.0.1:$SLOW_PORT|" \
	"$W/pub.conf" >"$W/pub2.conf"
sleep 0.5
aws_admin iam create-user --user-name erin >/dev/null
as "$PUB_AK" "$PUB_SK" "$BUILD/iam-login" --config "$W/pub2.conf" publish >"$W/pub2.out" 2>&1 &
PUB2=$!
sleep 1
publish --quiet || not_ok "the first publisher publishes during the race"
winner=$(aws_admin s3api head-object --bucket "$BUCKET" --key prod/directory.bundle --query ETag --output text)
wait $PUB2
check_eq "the slower publisher exits 1" 1 "$?"
check_match "... and says it lost the race" "lost-race: lost the race" "$(cat "$W/pub2.out")"
check_eq "the bundle in S3 is the winner's" "$winner" \
	"$(aws_admin s3api head-object --bucket "$BUCKET" --key prod/directory.bundle --query ETag --output text)"
check_eq "the loser's status.json says lost-race" lost-race "$(jget 'd["result"]' <"$W/pub2/publish/status.json")"
out=$(publish 2>&1)
check_match "the next publish of the winner: unchanged" "^unchanged: " "$out"
GEN2=$(echo "$out" | sed -n 's/^unchanged: generation \([0-9]*\) .*/\1/p')

# ---------------------------------------------------------------- hostile bundles
# A tamper prefix signed with a local PEM key (so the tests can sign any claim), one host.
openssl ecparam -name prime256v1 -genkey -noout -out "$W/tamper.key" 2>/dev/null
openssl pkey -in "$W/tamper.key" -pubout -out "$W/tamper.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$W/other.key" 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out "$W/p384.key" 2>/dev/null
chmod 0600 "$W"/*.key
chmod 0644 "$W/tamper.pem"
host_conf 99 tamper "$W/tamper.pem"
tsync() { as "$TH_AK" "$TH_SK" "$BUILD/iam-login" --config "$W/h99.conf" sync "$@"; }
tstatus() { as "$TH_AK" "$TH_SK" "$BUILD/iam-login" --config "$W/h99.conf" status --json; }
upload() { aws_admin s3api put-object --bucket "$BUCKET" --key tamper/directory.bundle --body "$1" >/dev/null; }
SNAP=$W/h1/directory
base_gen=$((GEN2 + 100))
"$BUILD/tests/tools/mkbundle" "$SNAP" "$W/tamper.key" "$W/good.b" --generation $base_gen >/dev/null || not_ok "mkbundle"
upload "$W/good.b"
out=$(tsync 2>&1)
check_match "a bundle signed by the configured PEM key installs" "^fetched bundle: .* generation $base_gen" "$out"
good_passwd=$(in_ns "$W/h99" getent passwd alice)
check_match "... and getent answers from it" "^alice:" "$good_passwd"

# refused CASE_NAME FILE EXPECTED_ERROR_REGEX
refused() {
	local name=$1 file=$2 want=$3 out rc
	upload "$file"
	out=$(tsync 2>&1)
	rc=$?
	check_eq "$name: sync exits 1" 1 "$rc"
	check_match "$name: says why" "$want" "$out"
	check_match "$name: status.json says failed and why" "failed .*$want" \
		"$(tstatus | jget 'd["last_sync"]["result"] + " " + str(d["last_sync"]["error"])')"
	check_eq "$name: installed generation unchanged" "$base_gen" "$(tstatus | jget 'd["snapshot"]["generation"]')"
	check_eq "$name: getent still answers from the previous snapshot" "$good_passwd" "$(in_ns "$W/h99" getent passwd alice)"
}
"$BUILD/tests/tools/mkbundle" "$SNAP" "$W/tamper.key" "$W/next.b" --generation $((base_gen + 1)) >/dev/null
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[200]^=1; open(sys.argv[2],"wb").write(b)' "$W/next.b" "$W/flip.b"
refused "one flipped byte in the payload" "$W/flip.b" "digest mismatch"
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[45]^=1; open(sys.argv[2],"wb").write(b)' "$W/next.b" "$W/fliphdr.b"
refused "one flipped byte in the header" "$W/fliphdr.b" "signature does not verify"
"$BUILD/tests/tools/mkbundle" "$SNAP" "$W/other.key" "$W/otherkey.b" --generation $((base_gen + 1)) >/dev/null
refused "signed by another key" "$W/otherkey.b" "signature does not verify"
"$BUILD/tests/tools/mkbundle" "$SNAP" "$W/tamper.key" "$W/otheracct.b" --generation $((base_gen + 1)) --account 999999999999 >/dev/null
refused "from another account" "$W/otheracct.b" "account 999999999999, expected $ACCOUNT"
"$BUILD/tests/tools/mkbundle" "$SNAP" "$W/tamper.key" "$W/old.b" --generation $((base_gen - 1)) >/dev/null
refused "a replayed older generation" "$W/old.b" "rollback refused"
head -c $(($(stat -c %s "$W/next.b") - 10)) "$W/next.b" >"$W/trunc.b"
refused "a truncated body" "$W/trunc.b" "truncated"
"$BUILD/tests/tools/mkbundle" "$SNAP" "$W/tamper.key" "$W/stale.b" --generation $((base_gen + 2)) --created $(($(date +%s) - 200000)) >/dev/null
refused "older than max_snapshot_age" "$W/stale.b" "is the publisher running"
check_fails "a P-384 signing key is refused by the tool" "$BUILD/tests/tools/mkbundle" "$SNAP" "$W/p384.key" "$W/p384.b"
chmod 0644 "$W/tamper.key"
check_fails "a group/world-readable signing key is refused" "$BUILD/tests/tools/mkbundle" "$SNAP" "$W/tamper.key" "$W/x.b"
chmod 0600 "$W/tamper.key"
chmod 0666 "$W/tamper.pem"
upload "$W/next.b"
out=$(tsync 2>&1)
check_match "a world-writable public key is refused" "tamper.pem: mode 0666 is too open" "$out"
chmod 0644 "$W/tamper.pem"
out=$(tsync 2>&1)
check_match "the next good bundle installs after the refusals" "generation $((base_gen + 1))" "$out"

out=$(as "$TH_AK" "$TH_SK" "$BUILD/iam-login" --config "$W/h99.conf" doctor --offline 2>&1)
check_match "doctor names the fleet key" "ok +fleet: bundles from s3://$BUCKET/tamper must verify with $W/tamper.pem" "$out"
upload "$W/otherkey.b"
tsync >/dev/null 2>&1
out=$(as "$TH_AK" "$TH_SK" "$BUILD/iam-login" --config "$W/h99.conf" doctor --offline 2>&1)
check_match "doctor reports the refused bundle" "FAIL +fleet: last fetch: signature does not verify" "$out"

# The root install re-verifies: a candidate swapped in the sync user's directory after
# the fetch (what a compromised service user could do) is refused.
cp "$W/otherkey.b" "$W/h99/sync/directory.bundle"
out=$(as "$TH_AK" "$TH_SK" "$BUILD/iam-login" --config "$W/h99.conf" install 2>&1)
check_match "root's install refuses a candidate the key did not sign" "refused: signature does not verify" "$out"

# ---------------------------------------------------------------- S3 down
# a bundle published now (the last one is older than this host's max age of 8 s)
publish --force --quiet || not_ok "a fresh publish"
host_conf 98 prod "$W/publisher.pem" "[pam]" "max_snapshot_age = 8"
host_sync 98 --quiet || not_ok "host 98 first sync"
echo '{"down": true}' >"$PROXY_CONTROL"
out=$(host_sync 98 2>&1)
check_eq "S3 down: sync exits 1" 1 "$?"
check_match "S3 down: status says failed" "failed" "$(as "$FH_AK" "$FH_SK" "$BUILD/iam-login" --config "$W/h98.conf" status --json | jget 'd["last_sync"]["result"]')"
check_eq "S3 down: getent still answers" alice "$(in_ns "$W/h98" getent passwd alice | cut -d: -f1)"
check_nomatch "S3 down: the snapshot is not stale yet" "STALE" "$(as "$FH_AK" "$FH_SK" "$BUILD/iam-login" --config "$W/h98.conf" status 2>&1)"
sleep 9
out=$(as "$FH_AK" "$FH_SK" "$BUILD/iam-login" --config "$W/h98.conf" status 2>&1)
check_match "S3 down past max_snapshot_age: STALE, pam_iam refuses IAM users" "^STALE: " "$out"
check_eq "... local accounts never depend on it" root "$(in_ns "$W/h98" getent passwd root | cut -d: -f1)"
echo '{}' >"$PROXY_CONTROL"
out=$(host_sync 98 2>&1)
check_match "S3 back, publisher stopped: the old bundle is refused as too old" "is the publisher running" "$out"

exit 0
