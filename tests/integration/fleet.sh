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
host_sync 3 --quiet
check_eq "a host sees dave after the next sync" dave "$(in_ns "$W/h3" getent passwd dave | cut -d: -f1)"

exit 0
