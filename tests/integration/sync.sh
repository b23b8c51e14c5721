#!/usr/bin/env bash
# iam-login sync against moto (through the fault-injecting proxy), checked with real
# glibc lookups (getent, id) in a private mount namespace: awkward names, exclusions,
# stable ids across renames and hosts, collisions, outage/throttling, removal guard,
# and SIGKILL at every stage.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"

if ! moto_available; then skip "sync integration" "moto_server or aws CLI missing"; exit 0; fi
if [ "$(id -u)" != 0 ]; then skip "sync integration" "needs root for unshare -m"; exit 0; fi
for f in "$BUILD/iam-login" "$BUILD/libnss_iam.so.2"; do
	[ -e "$f" ] || { not_ok "built $f"; exit 1; }
done

WORK=$(mktemp -d -t iam-sync-test.XXXXXX)
chmod 0755 "$WORK"
moto_start || { not_ok "moto starts"; exit 1; }
# moto answers list calls in one piece; tests/lib/iampager.py pages them as IAM does
# (MaxItems/Marker), and the fault-injecting proxy sits in front:
#   iam-login -> iamproxy (faults, counts) -> iampager (pages) -> moto
PAGER_PORT=$(free_port)
python3 "$TOP/tests/lib/iampager.py" --port "$PAGER_PORT" --upstream "$MOTO_URL" \
	--log "$WORK/pager.log" &
PAGER_PID=$!
for i in $(seq 1 50); do
	curl -s -o /dev/null "http://127.0.0.1:$PAGER_PORT/moto-api/" && break
	sleep 0.1
done
MOTO_URL=http://127.0.0.1:$PAGER_PORT proxy_start
trap 'proxy_stop; kill $PAGER_PID 2>/dev/null; moto_stop; rm -rf "$WORK"' EXIT
ok "moto and proxy running"

# ---------------------------------------------------------------- helpers
cat >"$WORK/nsswitch.conf" <<'NSS'
passwd:     files iam
group:      files iam
shadow:     files
initgroups: files iam
hosts:      files
NSS
chmod 0644 "$WORK/nsswitch.conf"

# mkconf FILE STATE_DIR [extra [directory] lines]
mkconf() {
	local f=$1 state=$2
	shift 2
	{
		echo "[aws]"
		echo "region = us-east-1"
		echo "iam_endpoint = $PROXY_URL"
		echo "sts_endpoint = $PROXY_URL"
		echo "imds_endpoint = $PROXY_URL"
		echo "connect_timeout = 1"
		echo "timeout = 4"
		echo "max_retries = 2"
		echo "page_size = 3"
		echo "[directory]"
		echo "state_dir = $state"
		echo "sync_user = nobody" # root's sync fetches as an unprivileged user, then installs
		echo "strip_suffixes = @example.com"
		printf '%s\n' "$@"
	} >"$f"
	chmod 0644 "$f"
	mkdir -p "$state"
	chmod 0755 "$state"
}

# iam_login CONF ARGS...: run as the host identity
iam_login() {
	local conf=$1
	shift
	env $(host_env) AWS_SESSION_TOKEN= "$BUILD/iam-login" --config "$conf" "$@"
}

# Under SAN=1 the module is ASan-instrumented: uninstrumented getent/id need the
# sanitizer runtimes preloaded.
PRELOAD=
if [ "${SAN:-}" = 1 ]; then
	PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
	export ASAN_OPTIONS=detect_leaks=0
fi

# in_ns STATE_DIR CMD...: CMD sees our nsswitch.conf and STATE_DIR as /var/lib/iam-login
in_ns() {
	local state=$1
	shift
	LD_PRELOAD=$PRELOAD LD_LIBRARY_PATH=$BUILD unshare -m --propagation private sh -c '
		set -e
		mount --bind "$1" /etc/nsswitch.conf
		if [ ! -d /var/lib/iam-login ]; then
			mount -t tmpfs tmpfs /var/lib
			mkdir /var/lib/iam-login
		fi
		mount --bind "$2" /var/lib/iam-login
		shift 2
		exec "$@"' in_ns "${NSSWITCH:-$WORK/nsswitch.conf}" "$state" "$@"
}

set_proxy() { echo "$1" >"$PROXY_CONTROL"; }

# create_users NAME...: many IAM users in one process (the aws CLI takes ~1 s per call)
create_users() {
	python3 - "$@" <<'PY'
import os, sys, boto3
iam = boto3.client('iam', endpoint_url=os.environ['MOTO_URL'], region_name='us-east-1',
                   aws_access_key_id=os.environ['ADMIN_AK'],
                   aws_secret_access_key=os.environ['ADMIN_SK'])
for name in sys.argv[1:]:
    iam.create_user(UserName=name)
PY
}

# FNV-1a 64 of the IAM id into [min,max]: the documented hash, computed independently.
py_slot() {
	python3 -c '
import sys
h = 0xcbf29ce484222325
for c in sys.argv[1].encode():
    h ^= c
    h = (h * 0x100000001b3) & 0xffffffffffffffff
lo, hi = int(sys.argv[2]), int(sys.argv[3])
print(lo + h % (hi - lo + 1))' "$1" "${2:-200000000}" "${3:-299999999}"
}
user_id() { aws_admin iam get-user --user-name "$1" --query User.UserId --output text; }
group_id() { aws_admin iam get-group --group-name "$1" --query Group.GroupId --output text; }
status_json() { iam_login "$1" status --json 2>/dev/null; }
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin); exec("v="+sys.argv[1]); print(v)' "$1"; }

# ---------------------------------------------------------------- seed
LONG=$(printf 'L%.0s' $(seq 1 64))
create_users Carol.Jones@example.com dave+ops x=y a,b "$LONG" root eve+x || not_ok "seed users"
# eve=x maps onto eve+x's Linux name: created a second later, it must not evict eve+x
# (issue 8 finding 11; CreateDate has whole seconds)
sleep 1.2
create_users eve=x || not_ok "seed eve=x"
aws_admin iam tag-user --user-name Carol.Jones@example.com \
	--tags Key=iam-login:gecos,Value="Carol Jones" >/dev/null
aws_admin iam tag-user --user-name dave+ops --tags Key=iam-login:shell,Value=/bin/dash >/dev/null
# issue 8 finding 10: a shell tag naming a file not in /etc/shells is ignored
aws_admin iam tag-user --user-name x=y --tags Key=iam-login:shell,Value=/tmp/evil-shell >/dev/null
aws_admin iam tag-user --user-name a,b --tags 'Key=iam-login:gecos,Value=evil:gecos' >/dev/null
for g in sudo admins; do aws_admin iam create-group --group-name "$g" >/dev/null; done
aws_admin iam add-user-to-group --group-name sudo --user-name dave+ops
aws_admin iam add-user-to-group --group-name admins --user-name dave+ops
aws_admin iam add-user-to-group --group-name admins --user-name Carol.Jones@example.com

CAROL_UID=$(py_slot "$(user_id Carol.Jones@example.com)")
DAVE_UID=$(py_slot "$(user_id dave+ops)")
XY_UID=$(py_slot "$(user_id x=y)")
AB_UID=$(py_slot "$(user_id a,b)")
SUDO_GID=$(py_slot "$(group_id sudo)")
ADMINS_GID=$(py_slot "$(group_id admins)")
# every IAM user is in [directory] users_group (iam-users); its gid hashes a fixed id
USERS_GID=$(py_slot "iam-login:users-group")

# ---------------------------------------------------------------- first sync
S1=$WORK/host1
mkconf "$WORK/h1.conf" "$S1"
# 10 IAM users (with moto's iam-login-admin/-host): 7 mapped, 3 excluded (64-char, root, eve=x)
before=$(wc -l <"$PROXY_LOG")
out=$(iam_login "$WORK/h1.conf" sync 2>&1)
rc=$?
calls=$(($(wc -l <"$PROXY_LOG") - before))
check_eq "sync exits 0" 0 "$rc"
check_eq "one-line summary" "synced 7 users, 2 groups (3 excluded) in $calls calls, 0.0 s, generation 1" \
	"$(echo "$out" | head -1 | sed 's/, [0-9]*\.[0-9] s,/, 0.0 s,/')"
check_eq "status.json result ok" ok "$(status_json "$WORK/h1.conf" | jget 'd["last_sync"]["result"]')"
check_eq "GetAccountAuthorizationDetails paged: 12 users+groups, 3 per page" 4 "$(proxy_count GetAccountAuthorizationDetails)"
check_eq "no other IAM calls" 4 "$calls"

check_eq "getent passwd carol.jones (suffix stripped, gecos tag)" \
	"carol.jones:*:$CAROL_UID:$CAROL_UID:Carol Jones:/home/carol.jones:/bin/bash" \
	"$(in_ns "$S1" getent passwd carol.jones)"
check_eq "getent passwd dave_ops (+ mapped, shell tag)" \
	"dave_ops:*:$DAVE_UID:$DAVE_UID:dave+ops:/home/dave_ops:/bin/dash" \
	"$(in_ns "$S1" getent passwd dave_ops)"
check_eq "getent passwd x_y" "x_y:*:$XY_UID:$XY_UID:x=y:/home/x_y:/bin/bash" \
	"$(in_ns "$S1" getent passwd x_y)"
check_eq "getent passwd a_b (gecos tag with ':' ignored)" \
	"a_b:*:$AB_UID:$AB_UID:a,b:/home/a_b:/bin/bash" "$(in_ns "$S1" getent passwd a_b)"
check_eq "getent passwd by uid" "dave_ops" "$(in_ns "$S1" getent passwd "$DAVE_UID" | cut -d: -f1)"
check_eq "getent group iam-sudo" "iam-sudo:*:$SUDO_GID:dave_ops" "$(in_ns "$S1" getent group iam-sudo)"
check_eq "getent group iam-admins" "iam-admins:*:$ADMINS_GID:carol.jones,dave_ops" \
	"$(in_ns "$S1" getent group iam-admins)"
check_match "getent group iam-users: every IAM user, its gid from the fixed id" "^iam-users:\*:$USERS_GID:.*dave_ops" \
	"$(in_ns "$S1" getent group iam-users)"
check_eq "getent group dave_ops (user private group)" "dave_ops:*:$DAVE_UID:" \
	"$(in_ns "$S1" getent group dave_ops)"
check_eq "id dave_ops" "uid=$DAVE_UID(dave_ops) gid=$DAVE_UID(dave_ops)" \
	"$(in_ns "$S1" id dave_ops | cut -d' ' -f1-2)"
check_eq "id -G dave_ops" "$(printf '%s\n' "$DAVE_UID" "$SUDO_GID" "$ADMINS_GID" "$USERS_GID" | sort -n | xargs)" \
	"$(in_ns "$S1" id -G dave_ops | tr ' ' '\n' | sort -n | xargs)"
check_eq "getent initgroups dave_ops" "$(printf '%s\n' "$SUDO_GID" "$ADMINS_GID" "$USERS_GID" | sort -n | xargs)" \
	"$(in_ns "$S1" getent initgroups dave_ops | awk '{$1=""; print}' | tr ' ' '\n' | grep . | grep -v "^$DAVE_UID$" | sort -n | xargs)"
check_eq "local root untouched" "$(grep '^root:' /etc/passwd)" "$(in_ns "$S1" getent passwd root)"
check_eq "uid 0 is local root" "root" "$(in_ns "$S1" getent passwd 0 | cut -d: -f1)"
if grep -q '^sudo:' /etc/group; then
	check_eq "local group sudo untouched" "$(grep '^sudo:' /etc/group)" "$(in_ns "$S1" getent group sudo)"
fi
check_eq "issue 8 finding 11: the older eve+x keeps eve_x" "eve_x:eve+x" \
	"$(in_ns "$S1" getent passwd eve_x | cut -d: -f1,5)"
for n in llllllllllllllllllllllllllllllll; do
	check_fails "excluded $n absent" in_ns "$S1" getent -s iam passwd "$n"
done
check_fails "IAM root not served by iam" in_ns "$S1" getent -s iam passwd root

st=$(iam_login "$WORK/h1.conf" status)
check_match "status: root excluded (local account)" 'user +root +collides with local account root' "$st"
check_match "status: 64-char name excluded" "user +$LONG +invalid name: longer than 32" "$st"
check_nomatch "status: eve+x not excluded (older)" 'user +eve\+x ' "$st"
check_match "status: eve=x excluded (newer, collision)" 'user +eve=x +user name eve_x collides with older IAM user eve\+x' "$st"
check_match "status: bad gecos tag warned" 'warning: +user a,b: gecos tag ignored' "$st"
check_match "issue 8 finding 10: shell tag outside /etc/shells warned" \
	'warning: +user x=y: shell tag ignored \(not listed in /etc/shells\)' "$st"
check_match "status: generation 1" 'generation: +1' "$st"
check_match "iam-login user shows the IAM identity" "IAM user: +dave\+ops" "$(iam_login "$WORK/h1.conf" user dave_ops)"
check_match "iam-login user: NSS gives the same entry (in the namespace)" '^NSS: +same entry through getpwnam' \
	"$(in_ns "$S1" "$BUILD/iam-login" --config "$WORK/h1.conf" user dave_ops)"
check_match "iam-login user: NSS without iam in nsswitch.conf is pointed out" '^NSS: +not resolved here' \
	"$(iam_login "$WORK/h1.conf" user dave_ops)"
check_eq "iam-login user --json: passwd and nss_passwd agree" "True" \
	"$(in_ns "$S1" "$BUILD/iam-login" --config "$WORK/h1.conf" user --json dave_ops | jget 'd["passwd"] == d["nss_passwd"]')"
check_match "iam-login user explains an exclusion" "excluded on this host: collides with local account root" \
	"$(iam_login "$WORK/h1.conf" user root)"
check_eq "iam-login group --json members" "['dave_ops']" \
	"$(iam_login "$WORK/h1.conf" group --json iam-sudo | jget 'd["members"]')"

for c in sync status user group; do
	check_match "iam-login $c --help" "^Usage: iam-login $c" "$("$BUILD/iam-login" "$c" --help)"
done
check_fails "sync rejects unknown options (exit 2)" iam_login "$WORK/h1.conf" sync --bogus
if command -v script >/dev/null 2>&1; then
	out=$(script -qec "env $(host_env) $BUILD/iam-login --config $WORK/h1.conf sync --dry-run" /dev/null)
	check_match "progress shown on a terminal" 'fetching the IAM directory\.\.\..*mapping 10 IAM users and 2 groups' "$out"
fi
check_nomatch "no progress when not a terminal" 'fetching' "$(iam_login "$WORK/h1.conf" sync --dry-run 2>&1)"

# ---------------------------------------------------------------- stability
aws_admin iam update-user --user-name x=y --new-user-name x=z
iam_login "$WORK/h1.conf" sync --quiet
check_eq "renamed IAM user keeps its uid" "x_z:*:$XY_UID:$XY_UID:x=z:/home/x_z:/bin/bash" \
	"$(in_ns "$S1" getent passwd x_z)"
check_fails "old name gone after rename" in_ns "$S1" getent -s iam passwd x_y

S2=$WORK/host2
mkconf "$WORK/h2.conf" "$S2"
iam_login "$WORK/h2.conf" sync --quiet
check_eq "another host: identical passwd entries" "$(in_ns "$S1" getent -s iam passwd | sort)" \
	"$(in_ns "$S2" getent -s iam passwd | sort)"
check_eq "another host: identical group entries" "$(in_ns "$S1" getent -s iam group | sort)" \
	"$(in_ns "$S2" getent -s iam group | sort)"

# A 13-number range for 10 users + 2 groups + iam-users: collisions are certain; same result twice.
for h in c1 c2; do
	mkconf "$WORK/$h.conf" "$WORK/$h" "uid_min = 100000" "uid_max = 100012" \
		"gid_min = 100000" "gid_max = 100012"
	iam_login "$WORK/$h.conf" sync --quiet || not_ok "tiny-range sync $h"
done
check_eq "collisions resolved the same way on two hosts" \
	"$(in_ns "$WORK/c1" getent -s iam passwd | sort)" "$(in_ns "$WORK/c2" getent -s iam passwd | sort)"
check_match "collisions reported" 'warning: .*held by older' "$(iam_login "$WORK/c1.conf" status)"
# Independently: the ids equal a Python re-implementation of the documented rule
# (users and groups share the numbers here since uid and gid ranges are the same).
aws_admin iam get-account-authorization-details --filter User Group >"$WORK/gaad.json"
in_ns "$WORK/c1" getent -s iam passwd >"$WORK/c1.passwd"
in_ns "$WORK/c1" getent -s iam group >"$WORK/c1.group"
verdict=$(python3 - "$WORK/gaad.json" "$WORK/c1.passwd" "$WORK/c1.group" <<'PY'
import json, sys, datetime
gaad = json.load(open(sys.argv[1]))
def slot(s):
    h = 0xcbf29ce484222325
    for c in s.encode():
        h ^= c; h = (h * 0x100000001b3) & 0xffffffffffffffff
    return 100000 + h % 13
def secs(d):
    return int(datetime.datetime.fromisoformat(d.replace('Z', '+00:00')).timestamp())
ent = {}
for u in gaad['UserDetailList']:
    ent[u['UserName']] = (secs(u['CreateDate']), u['UserId'])
for g in gaad['GroupDetailList']:
    ent['group:' + g['GroupName']] = (secs(g['CreateDate']), g['GroupId'])
ent['group:(users_group)'] = (0, 'iam-login:users-group')  # created at 0: oldest of all
num, linux_users = {}, set()
for line in open(sys.argv[2]):
    f = line.split(':')
    linux_users.add(f[0])
    num[f[4]] = int(f[2])    # gecos is the IAM name (only Carol has a gecos tag)
num['Carol.Jones@example.com'] = num.pop('Carol Jones')
for line in open(sys.argv[3]):
    f = line.split(':')
    if f[0] == 'iam-users':
        num['group:(users_group)'] = int(f[2])
    elif f[0].startswith('iam-') and f[0] not in linux_users:
        num['group:' + f[0][4:]] = int(f[2])
# The documented algorithm, independently: (CreateDate, Id) order, hash slot, probe up.
taken, want, moved = set(), {}, 0
for name, (created, iid) in sorted(ent.items(), key=lambda kv: kv[1]):
    v = slot(iid)
    while v in taken:
        v = 100000 if v == 100012 else v + 1
    taken.add(v)
    want[name] = v
    moved += v != slot(iid)
bad = [n for n in num if n in ent and num[n] != want[n]]
print('BAD %s' % bad if bad else 'OK %d' % moved)
PY
)
check_match "ids match an independent implementation; older entity keeps its slot" '^OK [1-9]' "$verdict"

# ---------------------------------------------------------------- outage and throttling
gen=$(status_json "$WORK/h1.conf" | jget 'd["snapshot"]["generation"]')
set_proxy '{"down": true}'
out=$(iam_login "$WORK/h1.conf" sync 2>&1)
rc=$?
check_eq "sync during outage fails" 1 "$rc"
check_match "outage: clear message" "failed: .*previous snapshot kept \(generation $gen\)" "$out"
check_eq "outage: same generation" "$gen" "$(status_json "$WORK/h1.conf" | jget 'd["snapshot"]["generation"]')"
check_eq "outage: status.json says failed" failed "$(status_json "$WORK/h1.conf" | jget 'd["last_sync"]["result"]')"
check_eq "outage: lookups still work" "dave_ops" "$(in_ns "$S1" getent passwd dave_ops | cut -d: -f1)"
check_fails "status exits non-zero after a failed sync" iam_login "$WORK/h1.conf" status

set_proxy '{"throttle_share": 1}'
out=$(iam_login "$WORK/h1.conf" sync 2>&1)
rc=$?
check_eq "sync during throttling fails" 1 "$rc"
check_match "throttling: clear message" "Throttling.*previous snapshot kept \(generation $gen\)" "$out"
check_eq "throttling: same generation" "$gen" "$(status_json "$WORK/h1.conf" | jget 'd["snapshot"]["generation"]')"
check_eq "throttling: lookups still work" "carol.jones" "$(in_ns "$S1" getent passwd "$CAROL_UID" | cut -d: -f1)"

# issue 15: a 200 whose body is cut short (no Content-Length, connection closed) is
# retried like a transport error, never parsed as a short directory
sed 's/^max_retries = 2/max_retries = 6/' "$WORK/h1.conf" >"$WORK/h1cut.conf"
set_proxy '{"cut_share": 0.3}'
before=$(wc -l <"$PROXY_LOG")
out=$(iam_login "$WORK/h1cut.conf" sync 2>&1)
check_eq "answers cut short at 30 %: the sync still completes" 0 "$?"
check_match "... some answers were cut" '^[1-9]' "$(tail -n +$((before + 1)) "$PROXY_LOG" | grep -c ' cut$')"
check_eq "... and the snapshot is complete" "dave_ops" "$(in_ns "$S1" getent passwd dave_ops | cut -d: -f1)"

# issue 15: one deadline for the whole sync, not only per call. Every answer 2 s
# late, pages of 3 (4 pages here): per-call timeouts alone would let it finish after
# ~8 s; sync_timeout = 4 stops it at 4 s with a clear error.
sed 's/^\[directory\]$/[directory]\nsync_timeout = 4/' "$WORK/h1.conf" >"$WORK/h1slow.conf"
set_proxy '{"delay_ms": 2000}'
t0=$(date +%s%N)
out=$(iam_login "$WORK/h1slow.conf" sync 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "slow IAM: the sync fails" 1 "$rc"
check "slow IAM: it ends near sync_timeout = 4 s, not after every page (${ms} ms)" test "$ms" -lt 6000
check_match "slow IAM: the error says so" "deadline|Timeout|timed out" "$out"

set_proxy '{}'
iam_login "$WORK/h1.conf" sync --quiet
check_eq "recovered: sync works again" ok "$(status_json "$WORK/h1.conf" | jget 'd["last_sync"]["result"]')"

# ---------------------------------------------------------------- full disk
# issue 15: on a full disk the failed sync's status must not keep the last "ok". The
# state dir is a 2 MiB tmpfs in a private mount namespace; the sync succeeds, the disk
# is filled, IAM goes down, the next sync fails and status.json must say so.
SF=$WORK/hostfull
mkconf "$WORK/hf.conf" "$SF"
full_out=$(env $(host_env) AWS_SESSION_TOKEN= unshare -m --propagation private sh -c '
	mount -t tmpfs -o size=2m tmpfs "$1" && chmod 0755 "$1" || exit 9
	"$2" --config "$3" sync --quiet || exit 8
	echo "first: $(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))[\"result\"])" "$1/sync/status.json")"
	dd if=/dev/zero of="$1/filler" bs=64k 2>/dev/null
	dd if=/dev/zero of="$1/filler2" bs=1k 2>/dev/null
	echo "free: $(df --output=avail -k "$1" | tail -1 | tr -d " ")"
	echo "{\"down\": true}" >"$4"
	"$2" --config "$3" sync >/dev/null 2>&1
	echo "rc: $?"
	echo "second: $(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))[\"result\"])" "$1/sync/status.json")"
	' full "$SF" "$BUILD/iam-login" "$WORK/hf.conf" "$PROXY_CONTROL" 2>&1)
set_proxy '{}'
check_match "full disk: first sync ok" "first: ok" "$full_out"
check_match "full disk: the state dir is full" "free: 0\b" "$full_out"
check_match "full disk: the failing sync exits 1" "rc: 1" "$full_out"
check_match "full disk: status.json says failed, not the old ok" "second: failed" "$full_out"

# ---------------------------------------------------------------- local account after the last sync
# issue 8 finding 7: an admin creates a local dave_ops after the last sync. IAM dave_ops
# is excluded on this host, but that is no IAM-side removal: the removal guard (here
# 10 %, 1 of 7 users) must not refuse the sync that reports it.
mkconf "$WORK/h1local.conf" "$S1" "max_removal_percent = 10"
{ cat /etc/passwd; echo "dave_ops:x:4242:4242::/home/dave_ops:/bin/sh"; } >"$WORK/passwd.local"
chmod 0644 "$WORK/passwd.local"
out=$(in_ns "$S1" sh -c 'mount --bind "$1" /etc/passwd && shift && exec "$@"' sh "$WORK/passwd.local" \
	env $(host_env) AWS_SESSION_TOKEN= "$BUILD/iam-login" --config "$WORK/h1local.conf" sync 2>&1)
rc=$?
check_eq "issue 8 finding 7: a local-account collision does not count against max_removal_percent" 0 "$rc"
echo "$out" | sed 's/^/# /'
check_match "issue 8 finding 7: the collision is reported" 'user +dave\+ops +collides with local account dave_ops' \
	"$(iam_login "$WORK/h1.conf" status)"
check_fails "issue 8 finding 7: IAM dave_ops not served beside the local one" in_ns "$S1" getent -s iam passwd dave_ops
iam_login "$WORK/h1.conf" sync --quiet
check_eq "local dave_ops gone again: IAM dave_ops back" "$DAVE_UID" "$(in_ns "$S1" getent passwd dave_ops | cut -d: -f3)"

# ---------------------------------------------------------------- sync lock
# issue 8 finding 4: any local user could flock the world-readable lock and stop every
# sync. The lock now lives in <state_dir>/sync (0700): nobody else can open it.
if command -v setpriv >/dev/null 2>&1 && command -v flock >/dev/null 2>&1; then
	# uid 4242: a local user who is not the sync's user (nobody here)
	setpriv --reuid=4242 --regid=4242 --clear-groups flock -n "$S1/.sync.lock" sleep 3 2>/dev/null &
	P1=$!
	setpriv --reuid=4242 --regid=4242 --clear-groups flock -n "$S1/sync/.sync.lock" sleep 3 2>/dev/null &
	P2=$!
	sleep 0.5
	check "issue 8 finding 4: a local user cannot block the sync by holding its lock" \
		iam_login "$WORK/h1.conf" sync --quiet
	check_eq "sync lock directory private to the sync's user" "65534 700" "$(stat -c '%u %a' "$S1/sync")"
	check_eq "sync lock file 0600" "65534 600" "$(stat -c '%u %a' "$S1/sync/.sync.lock")"
	wait $P1 $P2 2>/dev/null
	# a planted symlink in place of the lock is replaced, never followed
	ln -sf /etc/hostname "$S1/sync/.sync.lock"
	check "planted symlink lock: sync still runs" iam_login "$WORK/h1.conf" sync --quiet
	check_match "planted symlink replaced by a regular file" "^regular" "$(stat -c %F "$S1/sync/.sync.lock")"
else
	skip "sync lock" "setpriv or flock missing"
fi
gen=$(status_json "$WORK/h1.conf" | jget 'd["snapshot"]["generation"]')

# ---------------------------------------------------------------- GAAD denied -> List* fallback
# (covered by the least-privilege policy variant below: a host policy without GAAD)

# ---------------------------------------------------------------- removal guard
for u in x=z a,b carol-tmp; do
	aws_admin iam delete-user --user-name "$u" >/dev/null 2>&1
done
out=$(iam_login "$WORK/h1.conf" sync 2>&1)
rc=$?
check_eq "removal guard refuses (2 of 7 > 25%)" 1 "$rc"
check_match "removal guard message" "refused: refusing to remove 2 of 7 users .*--force" "$out"
check_eq "refused: same generation" "$gen" "$(status_json "$WORK/h1.conf" | jget 'd["snapshot"]["generation"]')"
check_eq "refused: status.json says refused" refused "$(status_json "$WORK/h1.conf" | jget 'd["last_sync"]["result"]')"
check_eq "refused: users still there" "a_b" "$(in_ns "$S1" getent passwd a_b | cut -d: -f1)"
out=$(iam_login "$WORK/h1.conf" sync --force 2>&1)
check_match "--force applies" "^synced 5 users, 2 groups \(3 excluded\).* generation $((gen + 1))$" "$out"
check_fails "--force: removed user gone" in_ns "$S1" getent -s iam passwd a_b
check_eq "--force: others unchanged" "dave_ops:*:$DAVE_UID:$DAVE_UID:dave+ops:/home/dave_ops:/bin/dash" \
	"$(in_ns "$S1" getent passwd dave_ops)"
out=$(iam_login "$WORK/h1.conf" sync --dry-run 2>&1)
check_match "--dry-run reports without writing" "^dry run: would sync 5 users.* generation $((gen + 1))$" "$out"

# ---------------------------------------------------------------- SIGKILL at every stage
# Slow the answers so kills land in every stage (fetch pages, map, write).
create_users $(seq -f 'k%g' 1 40) || not_ok "seed k1..k40"
# GAAD is now 17 pages of 3: a throttled page after successful ones (no retries) must
# abort the whole sync. The snapshot holds the old 5 users or all 45, nothing between.
mkconf "$WORK/h1b.conf" "$S1" "" && sed -i 's/^max_retries = 2/max_retries = 0/' "$WORK/h1b.conf"
partial=0 bad=0 applied=0
for seed in $(seq 1 10); do
	set_proxy "{\"throttle_share\": 0.05, \"seed\": $seed}"
	before=$(wc -l <"$PROXY_LOG")
	iam_login "$WORK/h1b.conf" sync --quiet >/dev/null 2>&1 && applied=$((applied + 1))
	tail -n +$((before + 1)) "$PROXY_LOG" |
		awk '/ 200$/ { ok = 1 } / 400$/ && ok { hit = 1 } END { exit !hit }' && partial=$((partial + 1))
	n=$(in_ns "$S1" getent -s iam passwd | wc -l)
	[ "$n" = 5 ] || [ "$n" = 45 ] || { bad=$((bad + 1)); echo "# seed $seed: $n users"; }
done
set_proxy '{}'
echo "# GAAD page faults: $partial syncs failed after good pages, $applied applied"
check_eq "GAAD: a throttled later page never yields a partial snapshot" 0 "$bad"
check_match "GAAD: some syncs failed after successful pages" '^[1-9]' "$partial"
iam_login "$WORK/h1.conf" sync --force --quiet
set_proxy '{"delay_ms": 20}'
# Meanwhile, lookups in a loop must always see a complete old or new snapshot.
touch "$WORK/looking"
in_ns "$S1" sh -c 'n=0; while [ -e "$1" ]; do
	getent passwd dave_ops >/dev/null || echo "lookup failed"
	getent group iam-admins | grep -q "^iam-admins:\*:[0-9]*:carol.jones,dave_ops$" || echo "group wrong"
	n=$((n + 1)); done; echo "lookups: $n"' sh "$WORK/looking" >"$WORK/lookups.log" 2>&1 &
LOOKER=$!
bad=0 kills=0
for i in $(seq 0 29); do
	delay=$(awk -v i="$i" 'BEGIN { printf "%.3f", i * 0.03 }')
	# env execs iam-login, so $! is the sync process itself
	env $(host_env) AWS_SESSION_TOKEN= "$BUILD/iam-login" --config "$WORK/h1.conf" sync --quiet \
		>/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
	n=$(in_ns "$S1" getent -s iam passwd | wc -l)
	[ "$n" = 45 ] || { bad=$((bad + 1)); echo "# after kill at ${delay}s: $n entries"; }
done
check_eq "SIGKILL at random points: every snapshot complete (30 runs, $kills killed)" 0 "$bad"
rm -f "$WORK/looking"
wait "$LOOKER"
echo "# $(tail -1 "$WORK/lookups.log")"
check_match "concurrent lookups during the killed/complete syncs never failed" '^lookups: [1-9][0-9]*$' \
	"$(cat "$WORK/lookups.log")"
set_proxy '{}'
if command -v strace >/dev/null 2>&1; then
	bad=0
	for sc in openat write fsync fchmod rename; do
		for nth in 1 2 3; do
			env $(host_env) AWS_SESSION_TOKEN= strace -f -qq -o /dev/null \
				-e inject="$sc":signal=SIGKILL:when="$nth" \
				"$BUILD/iam-login" --config "$WORK/h1.conf" sync --quiet >/dev/null 2>&1
			n=$(in_ns "$S1" getent -s iam passwd | wc -l)
			[ "$n" = 45 ] || { bad=$((bad + 1)); echo "# killed at $sc #$nth: $n entries"; }
			iam_login "$WORK/h1.conf" status >/dev/null 2>&1 || [ "$(status_json "$WORK/h1.conf" | jget 'd["snapshot"] is not None')" = True ] ||
				{ bad=$((bad + 1)); echo "# killed at $sc #$nth: no usable snapshot"; }
		done
	done
	check_eq "SIGKILL injected at each syscall stage (strace): snapshot always valid" 0 "$bad"
else
	skip "SIGKILL at syscall stages" "strace not installed"
fi
# the sync writes only in its own directory <state_dir>/sync
W1=$S1/sync
echo "# temp files left by killed syncs before the next sync: $(cd "$W1" && ls -A | grep -c '^\.directory\.\|^\.status\.json\.')"
echo partial >"$W1/.directory.AbC123"       # what a kill between mkstemp and rename leaves
ln -s /etc/hostname "$W1/.status.json.Zz9999" # not a regular file: left alone
echo keep >"$W1/.directory.notours"
chown -h 65534:65534 "$W1/.directory.AbC123" "$W1/.status.json.Zz9999" "$W1/.directory.notours"
# root's side: private copies of killed installs (aged past the minute), and a
# young one that may be a concurrent install's
echo partial >"$S1/..directory.new.Old123"
for f in "$S1"/..directory.new.*; do touch -d '-2 min' "$f"; done
echo young >"$S1/..directory.new.Young1"
check "a sync after the kills succeeds" iam_login "$WORK/h1.conf" sync --quiet
check_eq "temp files of killed syncs removed, nothing else" ".directory.notours .status.json.Zz9999" \
	"$(cd "$W1" && ls -A | grep -v -x -e directory -e status.json -e .sync.lock | sort | xargs)"
check_eq "the state dir holds only root's snapshot, the sync's directory and a young install copy" \
	"..directory.new.Young1 directory sync" "$(cd "$S1" && ls -A | sort | xargs)"
rm -f "$S1/..directory.new.Young1"
rm -f "$W1/.directory.notours" "$W1/.status.json.Zz9999"
check_eq "after the kills: 45 users" 45 "$(in_ns "$S1" getent -s iam passwd | wc -l)"

# ---------------------------------------------------------------- GAAD denied -> List* fallback
cat >"$WORK/nogaad.json" <<'POL'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListGroups","iam:GetGroup"],"Resource":"*"}]}
POL
aws_admin iam delete-user-policy --user-name iam-login-host --policy-name iam-login
aws_admin iam put-user-policy --user-name iam-login-host --policy-name iam-login \
	--policy-document "file://$WORK/nogaad.json"
S3=$WORK/host3
mkconf "$WORK/h3.conf" "$S3"
out=$(iam_login "$WORK/h3.conf" sync 2>&1)
check_match "GAAD denied: List* fallback syncs" "^synced 45 users, 2 groups" "$out"
check_match "GAAD denied: fallback noted" "GetAccountAuthorizationDetails was denied" "$out"
check_eq "fallback: same uids and groups as GAAD (tags aside)" \
	"$(in_ns "$S1" getent -s iam passwd | cut -d: -f1-4 | sort)" "$(in_ns "$S3" getent -s iam passwd | cut -d: -f1-4 | sort)"
check_eq "fallback: group members" "iam-admins:*:$ADMINS_GID:carol.jones,dave_ops" \
	"$(in_ns "$S3" getent group iam-admins)"
before=$(wc -l <"$PROXY_LOG")
iam_login "$WORK/h3.conf" sync --quiet
# 48 IAM users (45 mapped + 3 excluded) in pages of 3, 2 groups, one GetGroup page each
check_eq "fallback calls: GAAD denied, 16 ListUsers pages, ListGroups, GetGroup per group" \
	"1 GetAccountAuthorizationDetails 403 2 GetGroup 200 1 ListGroups 200 16 ListUsers 200" \
	"$(tail -n +$((before + 1)) "$PROXY_LOG" | sort | uniq -c | xargs)"

# A failed page in the middle (earlier pages fine) aborts: never a partial snapshot.
mkconf "$WORK/h3b.conf" "$S3" "" && sed -i 's/^max_retries = 2/max_retries = 0/' "$WORK/h3b.conf"
create_users $(seq -f 'late%g' 1 5) || not_ok "seed late1..late5"
gen3=$(status_json "$WORK/h3.conf" | jget 'd["snapshot"]["generation"]')
partial=0 bad=0
for seed in $(seq 1 12); do
	set_proxy "{\"throttle_share\": 0.05, \"seed\": $seed}"
	before=$(wc -l <"$PROXY_LOG")
	if iam_login "$WORK/h3b.conf" sync --quiet >/dev/null 2>&1; then want=50; else want=""; fi
	log=$(tail -n +$((before + 1)) "$PROXY_LOG")
	n=$(in_ns "$S3" getent -s iam passwd | wc -l)
	if [ -z "$want" ]; then
		# failed: the first 200 came before the 400, i.e. a later page failed
		echo "$log" | awk '/ 200$/ { ok = 1 } / 400$/ && ok { hit = 1 } END { exit !hit }' &&
			partial=$((partial + 1))
		[ "$n" = 45 ] || [ "$n" = 50 ] || bad=$((bad + 1))
	else
		[ "$n" = 50 ] || bad=$((bad + 1))
	fi
done
set_proxy '{}'
check_eq "throttled later pages: snapshot always complete (old or new)" 0 "$bad"
check_match "throttled later pages: some syncs failed after successful pages" '^[1-9]' "$partial"

# A snapshot older than [pam] max_snapshot_age is reported stale (pam_iam refuses then).
mkconf "$WORK/h2stale.conf" "$S2" "[pam]" "max_snapshot_age = 1"
out=$(iam_login "$WORK/h2stale.conf" status)
check_eq "status exits 1 for a stale snapshot" 1 "$?"
check_match "status says STALE" '^STALE: +older than \[pam\] max_snapshot_age = 1 s' "$out"
check_eq "status --json: stale" True "$(status_json "$WORK/h2stale.conf" | jget 'd["snapshot"]["stale"]')"
check_eq "status --json: fresh with the default max age" False "$(status_json "$WORK/h2.conf" | jget 'd["snapshot"]["stale"]')"

# ---------------------------------------------------------------- unprivileged
# The service runs as an unprivileged system user owning only <state_dir>/sync: it
# writes a candidate, and root's `iam-login install` checks and installs it (decision 13).
if command -v setpriv >/dev/null 2>&1; then
	S6=$WORK/host6
	mkconf "$WORK/h6.conf" "$S6"
	install -d -o 65534 -g 65534 -m 0700 "$S6/sync"
	out=$(env $(host_env) AWS_SESSION_TOKEN= setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$BUILD/iam-login" --config "$WORK/h6.conf" sync 2>&1)
	check_match "sync as an unprivileged user" '^synced 50 users, 2 groups' "$out"
	check_eq "... writes only a candidate, in its own directory" "65534 644" "$(stat -c '%u %a' "$S6/sync/directory")"
	check_eq "... and no snapshot the readers use" "" "$(ls "$S6/directory" 2>/dev/null)"
	check_eq "... lock and status are private to it" "600" "$(stat -c '%a' "$S6/sync/.sync.lock")"
	out=$(iam_login "$WORK/h6.conf" install 2>&1)
	check_match "root installs the checked candidate" '^installed generation 1: ' "$out"
	check_eq "the installed snapshot is root's, world-readable" "0 644" "$(stat -c '%u %a' "$S6/directory")"
	check_eq "unprivileged sync: same ids" "$(in_ns "$S3" getent -s iam passwd | cut -d: -f1-4 | sort)" \
		"$(in_ns "$S6" getent -s iam passwd | cut -d: -f1-4 | sort)"
	out=$(iam_login "$WORK/h6.conf" install 2>&1)
	check_match "installing the same candidate twice is refused (no rollback or replay)" 'refused: candidate generation 1 is not above the installed 1' "$out"
fi

# ---------------------------------------------------------------- merge_groups
# Only when configured: IAM group "sudo" takes the local sudo group's name and gid and
# glibc's [SUCCESS=merge] joins the member lists.
if local_sudo=$(grep '^sudo:' /etc/group); then
	S5=$WORK/host5
	mkconf "$WORK/h5.conf" "$S5" "merge_groups = sudo"
	iam_login "$WORK/h5.conf" sync --quiet || not_ok "merge_groups sync"
	sed 's/^group: .*/group:      files [SUCCESS=merge] iam/' "$WORK/nsswitch.conf" >"$WORK/nss-merge.conf"
	members=${local_sudo##*:}
	check_eq "merge_groups: local sudo + IAM sudo members (glibc merge)" \
		"${local_sudo%:*}:${members:+$members,}dave_ops" \
		"$(NSSWITCH=$WORK/nss-merge.conf in_ns "$S5" getent group sudo)"
	check_match "merge_groups: dave_ops gets the local sudo gid" "(^| )$(echo "$local_sudo" | cut -d: -f3)( |$)" \
		"$(NSSWITCH=$WORK/nss-merge.conf in_ns "$S5" id -G dave_ops)"
	check_match "iam-login group shows glibc's merged entry" "^NSS: +${local_sudo%:*}:${members:+$members,}dave_ops\$" \
		"$(NSSWITCH=$WORK/nss-merge.conf in_ns "$S5" "$BUILD/iam-login" --config "$WORK/h5.conf" group sudo)"
	check_nomatch "merge_groups: sudo not excluded" 'group +sudo ' "$(iam_login "$WORK/h5.conf" status)"
	check_nomatch "without merge_groups: no IAM group named sudo" '.' "$(in_ns "$S1" getent -s iam group sudo)"
fi

exit 0
