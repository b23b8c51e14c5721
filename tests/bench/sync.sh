#!/usr/bin/env bash
# Figures for `iam-login sync` on a large directory (not pass/fail):
# SYNC_BENCH_USERS (default 5000) users, SYNC_BENCH_GROUPS (300) groups, each user in
# 2 groups, served by moto paged like IAM (tests/lib/iampager.py, MaxItems 1000).
# Prints: IAM calls, wall time (median of 3), peak RSS, snapshot size, and how long
# glibc takes to enumerate the result. Seeding moto takes a few minutes.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"
NU=${SYNC_BENCH_USERS:-5000}
NG=${SYNC_BENCH_GROUPS:-300}
moto_available || { echo "moto_server/aws CLI missing: skipped"; exit 0; }
WORK=$(mktemp -d -t iam-sync-bench.XXXXXX)
chmod 0755 "$WORK"
moto_start || { echo "moto did not start"; exit 1; }
PAGER_PORT=$(free_port)
python3 "$TOP/tests/lib/iampager.py" --port "$PAGER_PORT" --upstream "$MOTO_URL" \
	--log "$WORK/pager.log" &
PAGER_PID=$!
trap 'kill $PAGER_PID 2>/dev/null; moto_stop; rm -rf "$WORK"' EXIT
t0=$(date +%s)
python3 - "$NU" "$NG" <<'PY'
import os, sys, boto3
nu, ng = int(sys.argv[1]), int(sys.argv[2])
iam = boto3.client('iam', endpoint_url=os.environ['MOTO_URL'], region_name='us-east-1',
                   aws_access_key_id=os.environ['ADMIN_AK'],
                   aws_secret_access_key=os.environ['ADMIN_SK'])
for j in range(ng):
    iam.create_group(GroupName='team%03d' % j)
for i in range(nu):
    name = 'user%05d@example.com' % i
    iam.create_user(UserName=name)
    for k in range(2):
        iam.add_user_to_group(GroupName='team%03d' % ((i * 7 + k * 101) % ng), UserName=name)
PY
echo "seeded $NU users, $NG groups, $((2 * NU)) memberships in $(($(date +%s) - t0)) s"
mkdir -p "$WORK/state"
MOTO_URL=http://127.0.0.1:$PAGER_PORT moto_config "$WORK/bench.conf" \
	"[directory]" "state_dir = $WORK/state" "strip_suffixes = @example.com"
# wall time includes moto building each GAAD page; cpu is iam-login's own work
for run in 1 2 3; do
	env $(host_env) AWS_SESSION_TOKEN= /usr/bin/time -o "$WORK/time" \
		-f "iam-login cpu %U s user + %S s sys, peak RSS %M KB" \
		"$BUILD/iam-login" --config "$WORK/bench.conf" sync --force | head -1
	cat "$WORK/time"
done | tee "$WORK/runs"
grep -o '[0-9.]* s,' "$WORK/runs" | sort -n | sed -n 2p | sed 's/,$//; s/^/median sync wall time: /'
grep '^GetAccountAuthorizationDetails' "$WORK/pager.log" | tail -n +1 | wc -l |
	awk '{ printf "GetAccountAuthorizationDetails pages over 3 runs: %d\n", $1 }'
echo "snapshot size: $(stat -c %s "$WORK/state/directory") bytes"
cat >"$WORK/nsswitch.conf" <<'NSS'
passwd: files iam
group: files iam
NSS
t1=$(date +%s.%N)
n=$(LD_LIBRARY_PATH=$BUILD unshare -m --propagation private sh -c '
	mount --bind "$1" /etc/nsswitch.conf && mount --bind "$2" /var/lib/iam-login &&
	getent -s iam passwd | wc -l' sh "$WORK/nsswitch.conf" "$WORK/state")
echo "getent -s iam passwd: $n entries in $(echo "$(date +%s.%N) - $t1" | bc) s"
