#!/usr/bin/env bash
# Figures for fleet mode (not pass/fail): FLEET_BENCH_USERS (default 5000) users and
# FLEET_BENCH_GROUPS (300) groups in moto (IAM paged like AWS by tests/lib/iampager.py).
# One `iam-login publish` (KMS ECC_NIST_P256 signing, upload to S3): wall, CPU, peak
# RSS, IAM calls, bundle bytes. One host fetch + install of that bundle, then
# FLEET_BENCH_POLLS (20) unchanged polls (304): p50 wall. Seeding moto takes minutes.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"
NU=${FLEET_BENCH_USERS:-5000}
NG=${FLEET_BENCH_GROUPS:-300}
POLLS=${FLEET_BENCH_POLLS:-20}
moto_available || { echo "moto_server/aws CLI missing: skipped"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "needs root (the host's sync installs as root): skipped"; exit 0; }
W=$(mktemp -d -t iam-fleet-bench.XXXXXX)
chmod 0755 "$W"
moto_start || { echo "moto did not start"; exit 1; }
PAGER_PORT=$(free_port)
python3 "$TOP/tests/lib/iampager.py" --port "$PAGER_PORT" --upstream "$MOTO_URL" --log "$W/pager.log" &
PAGER_PID=$!
trap 'kill $PAGER_PID 2>/dev/null; moto_stop; rm -rf "$W"' EXIT
t0=$(date +%s)
python3 - "$NU" "$NG" <<'PY'
import os, sys, boto3
nu, ng = int(sys.argv[1]), int(sys.argv[2])
iam = boto3.client('iam', endpoint_url=os.environ['MOTO_URL'], region_name='us-east-1',
                   aws_access_key_id=os.environ['ADMIN_AK'], aws_secret_access_key=os.environ['ADMIN_SK'])
for j in range(ng):
    iam.create_group(GroupName='team%03d' % j)
for i in range(nu):
    name = 'user%05d' % i
    iam.create_user(UserName=name)
    for k in range(2):
        iam.add_user_to_group(GroupName='team%03d' % ((i * 7 + k * 101) % ng), UserName=name)
PY
echo "seeded $NU users, $NG groups in $(($(date +%s) - t0)) s"
aws_admin s3api create-bucket --bucket bench >/dev/null
KEY=$(aws_admin kms create-key --key-spec ECC_NIST_P256 --key-usage SIGN_VERIFY --query KeyMetadata.KeyId --output text)
aws_admin kms get-public-key --key-id "$KEY" --query PublicKey --output text | base64 -d |
	openssl pkey -pubin -inform DER -out "$W/pub.pem" 2>/dev/null
chmod 0644 "$W/pub.pem"
mkdir -p "$W/pub" "$W/host" && chmod 0755 "$W/pub" "$W/host"
common="[aws]
region = us-east-1
iam_endpoint = http://127.0.0.1:$PAGER_PORT
sts_endpoint = $MOTO_URL
s3_endpoint = $MOTO_URL
kms_endpoint = $MOTO_URL
timeout = 60"
printf '%s\n[directory]\nstate_dir = %s\nsync_timeout = 600\n[publish]\ndestination = s3://bench/fleet\nsigning_key = kms:%s\n' \
	"$common" "$W/pub" "$KEY" >"$W/pub.conf"
printf '%s\n[directory]\nstate_dir = %s\nsync_user = nobody\nsource = s3://bench/fleet\nsigning_public_key = %s\n' \
	"$common" "$W/host" "$W/pub.pem" >"$W/host.conf"
chmod 0644 "$W/pub.conf" "$W/host.conf"
admin() { env AWS_ACCESS_KEY_ID="$ADMIN_AK" AWS_SECRET_ACCESS_KEY="$ADMIN_SK" AWS_SESSION_TOKEN= \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null "$@"; }
admin /usr/bin/time -o "$W/t" -f "publish: wall %e s, cpu %U s user + %S s sys, peak RSS %M KB" \
	"$BUILD/iam-login" --config "$W/pub.conf" publish
cat "$W/t"
echo "bundle: $(admin aws --endpoint-url "$MOTO_URL" --region us-east-1 s3api head-object --bucket bench \
	--key fleet/directory.bundle --query ContentLength --output text) bytes"
admin /usr/bin/time -o "$W/t" -f "host first fetch + verify + install: wall %e s, cpu %U s user + %S s sys, peak RSS %M KB" \
	"$BUILD/iam-login" --config "$W/host.conf" sync
cat "$W/t"
for i in $(seq 1 "$POLLS"); do
	s=$(date +%s%N)
	admin "$BUILD/iam-login" --config "$W/host.conf" sync --quiet
	echo $((($(date +%s%N) - s) / 1000))
done | sort -n | awk '{ a[NR] = $1 } END { printf "host poll, unchanged (one 304): p50 %.1f ms, max %.1f ms over %d polls\n", a[int((NR + 1) / 2)] / 1000, a[NR] / 1000, NR }'
admin /usr/bin/time -o "$W/t" -f "publish, unchanged: wall %e s (the IAM pages, one 304, no upload)" \
	"$BUILD/iam-login" --config "$W/pub.conf" publish
cat "$W/t"
