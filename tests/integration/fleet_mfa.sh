#!/usr/bin/env bash
# Fleet MFA against moto (S3 with SSE-KMS, KMS, DynamoDB, STS; signatures and IAM
# policies enforced): alice enrols ONCE with her own credentials (--self); one
# publish merges her enrolment into the signed MFA bundle; three hosts pull it as
# root. Real pam_iam under pamtester: a current code works on host A, the same
# code is refused on host B (the DynamoDB replay table), the next code works on
# B. bob cannot write alice's object; without MFA in the session the self-service
# write is refused. The directory writer and the key-command user cannot read
# the installed secrets. DynamoDB down: local falls back (logged), deny refuses
# IAM users only; every PAM answer within 2.5 s.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"

if ! moto_available; then skip "fleet MFA integration" "moto_server or aws CLI missing"; exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v pamtester >/dev/null || ! command -v oathtool >/dev/null; then
	skip "fleet MFA integration" "needs root, pamtester and oathtool"
	exit 0
fi
if [ -z "${IN_PAM_NS:-}" ]; then
	exec env IN_PAM_NS=1 unshare -m --propagation private bash "$0" "$@"
fi
for f in "$BUILD/iam-login" "$BUILD/pam_iam.so" "$BUILD/tests/tools/mksnap" "$BUILD/tests/tools/syslog_capture.so"; do
	[ -e "$f" ] || { not_ok "built $f"; exit 1; }
done

W=$(mktemp -d -t iam-fleet-mfa.XXXXXX)
chmod 0755 "$W"
MOTO_QUERY_FIX=1 moto_start || { not_ok "moto starts"; exit 1; }
HANG_PID=
trap '[ -n "$HANG_PID" ] && kill $HANG_PID 2>/dev/null; moto_stop; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
ok "moto running"
BUCKET=iam-login-fleet
TABLE=iam-login-totp
ACCOUNT=123456789012

aws_admin s3api create-bucket --bucket "$BUCKET" >/dev/null || not_ok "create bucket"
SIGN_KEY=$(aws_admin kms create-key --key-spec ECC_NIST_P256 --key-usage SIGN_VERIFY \
	--query KeyMetadata.KeyId --output text) || not_ok "create signing key"
MFA_KEY=$(aws_admin kms create-key --query KeyMetadata.KeyId --output text) || not_ok "create SSE-KMS key"
aws_admin dynamodb create-table --table-name "$TABLE" \
	--attribute-definitions AttributeName=user_id,AttributeType=S \
	--key-schema AttributeName=user_id,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null ||
	not_ok "create the replay table"

# The shipped policies, filled in. moto computes no KMS or DynamoDB resource ARN
# (it checks those actions against "*"), substitutes no ${aws:username} and has
# no MFA session (aws:MultiFactorAuthPresent is never present): so the key and
# table ARNs become "*", the user name is written in, and a "nocond" variant
# stands for an MFA session (the Deny-unless-MFA statement dropped). The actions stay the shipped ones.
policy() { # TEMPLATE USER [nocond] -> a policy file
	local out=$W/$1.$2${3:+.$3}
	python3 - "$TOP/conf/$1" "$2" "${3:-}" >"$out" <<'PY'
import json, sys
src, user, mode = sys.argv[1:4]
text = open(src).read()
for a, b in (("BUCKET", "iam-login-fleet"), ("PREFIX", "prod"), ("${aws:username}", user),
             ("arn:aws:kms:REGION:ACCOUNT:key/KEY-ID", "*"),
             ("arn:aws:kms:REGION:ACCOUNT:key/MFA-KEY-ID", "*"),
             ("arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE", "*")):
    text = text.replace(a, b)
doc = json.loads(text)
if mode == "nocond":  # the conditional Deny goes, other conditions are dropped
    doc["Statement"] = [s for s in doc["Statement"] if not (s["Effect"] == "Deny" and "Condition" in s)]
    for s in doc["Statement"]:
        s.pop("Condition", None)
print(json.dumps(doc))
PY
	echo "$out"
}
new_identity() { # NAME POLICY_FILE -> "AK SK"
	aws_admin iam create-user --user-name "$1" >/dev/null 2>&1
	aws_admin iam put-user-policy --user-name "$1" --policy-name p --policy-document "file://$2" >/dev/null &&
		aws_admin iam create-access-key --user-name "$1" |
		python3 -c 'import json,sys; k=json.load(sys.stdin)["AccessKey"]; print(k["AccessKeyId"], k["SecretAccessKey"])'
}
as() { # AK SK CMD...
	local ak=$1 sk=$2
	shift 2
	env AWS_ACCESS_KEY_ID="$ak" AWS_SECRET_ACCESS_KEY="$sk" AWS_SESSION_TOKEN= \
		AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null "$@"
}
read -r PUB_AK PUB_SK < <(new_identity fleet-publisher "$(policy iam-policy-publisher.json x nocond)")
read -r FH_AK FH_SK < <(new_identity fleet-host "$(policy iam-policy-fleet-host.json x)")
read -r ALICE_AK ALICE_SK < <(new_identity alice "$(policy iam-policy-mfa-self.json alice)")
read -r BOB_AK BOB_SK < <(new_identity bob "$(policy iam-policy-mfa-self.json bob nocond)")
read -r ADM_AK ADM_SK < <(new_identity mfa-admin "$(policy iam-policy-mfa-admin.json x)")
[ -n "$PUB_AK" ] && [ -n "$FH_AK" ] && [ -n "$ALICE_AK" ] && [ -n "$BOB_AK" ] || { not_ok "identities"; exit 1; }
ALICE_ID=$(aws_admin iam get-user --user-name alice --query User.UserId --output text)
BOB_ID=$(aws_admin iam get-user --user-name bob --query User.UserId --output text)

# A client-side config (any machine) and the publisher's.
cat >"$W/client.conf" <<CONF
[aws]
region = us-east-1
iam_endpoint = $MOTO_URL
sts_endpoint = $MOTO_URL
s3_endpoint = $MOTO_URL
kms_endpoint = $MOTO_URL
[mfa]
fleet_kms_key = $MFA_KEY
CONF
mkdir -p "$W/pub" && chmod 0755 "$W/pub"
cat >"$W/pub.conf" <<CONF
[aws]
region = us-east-1
iam_endpoint = $MOTO_URL
sts_endpoint = $MOTO_URL
s3_endpoint = $MOTO_URL
kms_endpoint = $MOTO_URL
[directory]
state_dir = $W/pub
[publish]
destination = s3://$BUCKET/prod
signing_key = kms:$SIGN_KEY
[mfa]
fleet_kms_key = $MFA_KEY
CONF
chmod 0644 "$W/client.conf" "$W/pub.conf"
IL=$BUILD/iam-login
enrol_self() { # AK SK [ARGS...]
	local ak=$1 sk=$2
	shift 2
	as "$ak" "$sk" "$IL" --config "$W/client.conf" mfa enroll --self --no-confirm --no-qr \
		--store "s3://$BUCKET/prod" "$@"
}

# ---------------------------------------------------------------- enrolment
out=$(enrol_self "$ALICE_AK" "$ALICE_SK" 2>&1)
check_eq "--self without MFA in the session: refused" 1 "$?"
check_match "... by S3 (AccessDenied), with the reason named" "AccessDenied.*MFA-authenticated" "$out"
check_fails "... nothing was written" aws_admin s3api head-object --bucket "$BUCKET" --key prod/mfa/alice

out=$(as "$BOB_AK" "$BOB_SK" "$IL" --config "$W/client.conf" mfa enroll --self alice --no-confirm --no-qr --store "s3://$BUCKET/prod" 2>&1)
check_eq "bob's credentials cannot enrol as alice (iam-login)" 1 "$?"
check_match "... told whose credentials they are" "bob's, not alice's" "$out"
echo x >"$W/evil"
out=$(_aws_as "$BOB_AK" "$BOB_SK" s3api put-object --bucket "$BUCKET" --key prod/mfa/alice --body "$W/evil" 2>&1)
check_match "bob's credentials cannot write alice's object (moto AccessDenied)" "AccessDenied" "$out"

# the self-service policy as moto can evaluate it (no condition): alice writes her own
aws_admin iam put-user-policy --user-name alice --policy-name p \
	--policy-document "file://$(policy iam-policy-mfa-self.json alice nocond)" >/dev/null
out=$(enrol_self "$ALICE_AK" "$ALICE_SK" 2>"$W/enrol.err")
check_eq "alice enrols herself (--self, her own credentials)" 0 "$?"
URI=$(echo "$out" | grep '^otpauth://')
check_match "... prints the otpauth URI" "^otpauth://totp/" "$URI"
SECRET=$(echo "$URI" | sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p')
check_match "... with a base32 secret" "^[A-Z2-7]{32}$" "$SECRET"
head=$(aws_admin s3api head-object --bucket "$BUCKET" --key prod/mfa/alice 2>&1)
check_match "the object is SSE-KMS" '"ServerSideEncryption": "aws:kms"' "$head"
check_match "... with the configured key" "SSEKMSKeyId\": \".*$MFA_KEY" "$head"
obj=$(aws_admin s3api get-object --bucket "$BUCKET" --key prod/mfa/alice /dev/stdout 2>/dev/null | head -3)
check_match "... names alice's immutable UserId" "user_id=$ALICE_ID" "$obj"
check_nomatch "the secret is not in the enrolment messages" "$SECRET" "$(cat "$W/enrol.err")"
out=$(enrol_self "$ALICE_AK" "$ALICE_SK" 2>&1)
check_eq "a second enrolment without --force is refused" 1 "$?"
check_match "... and says so" "already enrolled in the fleet" "$out"
out=$(as "$ADM_AK" "$ADM_SK" "$IL" --config "$W/client.conf" mfa enroll --fleet bob --no-confirm --no-qr --store "s3://$BUCKET/prod" 2>/dev/null)
check_eq "an administrator enrols bob (--fleet, conf/iam-policy-mfa-admin.json)" 0 "$?"
BOB_SECRET=$(echo "$out" | sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p')
check_match "... bob's object names his UserId" "user_id=$BOB_ID" \
	"$(aws_admin s3api get-object --bucket "$BUCKET" --key prod/mfa/bob /dev/stdout 2>/dev/null | head -3)"
check_eq "enrolments for the whole fleet: one per user (2 objects)" 2 \
	"$(aws_admin s3api list-objects-v2 --bucket "$BUCKET" --prefix prod/mfa/ --query 'length(Contents)' --output text)"

# ---------------------------------------------------------------- publish
out=$(as "$PUB_AK" "$PUB_SK" "$IL" --config "$W/pub.conf" publish 2>&1)
check_eq "publish exits 0" 0 "$?"
check_match "publish merges the MFA bundle: 1 user, 1 read" "^mfa: published generation [0-9]+, 2 users \(2 read, 0 refused\)" "$out"
out=$(as "$PUB_AK" "$PUB_SK" "$IL" --config "$W/pub.conf" publish 2>&1)
check_match "unchanged enrolments: no object read again, no upload" "^mfa: unchanged generation [0-9]+, 2 users \(0 read" "$out"
check_match "the MFA bundle is SSE-KMS" '"ServerSideEncryption": "aws:kms"' \
	"$(aws_admin s3api head-object --bucket "$BUCKET" --key prod/mfa.bundle 2>&1)"

# ---------------------------------------------------------------- hosts
aws_admin kms get-public-key --key-id "$SIGN_KEY" --query PublicKey --output text |
	base64 -d | openssl pkey -pubin -inform DER -out "$W/fleet.pub" 2>/dev/null
chmod 0644 "$W/fleet.pub"
NOW=$(date +%s)
host() { # NAME DDB_ENDPOINT FAILURE
	local h=$W/$1
	mkdir -p "$h/state" "$h/etc"
	chmod 0700 "$h/etc"
	printf 'account %s\ncreated %s\nuser alice 200000001 200000001 Alice /home/alice /bin/bash alice %s arn:aws:iam::%s:user/alice\nuser bob 200000002 200000002 Bob /home/bob /bin/bash bob %s arn:aws:iam::%s:user/bob\n' \
		"$ACCOUNT" "$NOW" "$ALICE_ID" "$ACCOUNT" "$BOB_ID" "$ACCOUNT" | "$BUILD/tests/tools/mksnap" - "$h/state" >/dev/null
	cat >"$h/iam-login.conf" <<CONF
[aws]
region = us-east-1
iam_endpoint = $MOTO_URL
sts_endpoint = $MOTO_URL
s3_endpoint = $MOTO_URL
kms_endpoint = $MOTO_URL
dynamodb_endpoint = $2
connect_timeout = 1
timeout = 2
[directory]
state_dir = $h/state
source = s3://$BUCKET/prod
signing_public_key = $W/fleet.pub
source_account = $ACCOUNT
[mfa]
usersfile = $h/etc/totp.users
policy = required
replay_table = $TABLE
replay_guard_failure = $3
[pam]
max_snapshot_age = 3600
CONF
	chmod 0644 "$h/iam-login.conf"
}
host A "$MOTO_URL" local
host B "$MOTO_URL" local
host C "$MOTO_URL" local
pull() { as "$FH_AK" "$FH_SK" "$IL" --config "$W/$1/iam-login.conf" mfa pull; }
for h in A B C; do
	out=$(pull $h 2>&1)
	check_match "host $h: mfa pull installs alice's secret" "^installed MFA generation [0-9]+: 2 users \(2 new or changed" "$out"
done
check_match "host C: a second pull is one 304" "^unchanged: MFA generation [0-9]+, 2 users, 1 S3 calls" "$(pull C 2>&1)"
check_eq "host A's usersfile is root's, 0600" "0 600" "$(stat -c '%u %a' "$W/A/etc/totp.users")"
check_match "the usersfile is keyed by alice's UserId" "^HOTP/T30/6	$ALICE_ID	-	" "$(cat "$W/A/etc/totp.users")"
check_eq "<usersfile>.fleet is root's 0644" "0 644" "$(stat -c '%u %a' "$W/A/etc/totp.users.fleet")"
check_nomatch "... and holds no secret" "$(grep -o "$ALICE_ID	-	[0-9a-f]*" "$W/A/etc/totp.users" | cut -f3)" "$(cat "$W/A/etc/totp.users.fleet")"
out=$("$IL" --config "$W/A/iam-login.conf" status 2>&1)
check_match "status: MFA bundle generation, age and enrolled users" "^fleet MFA: +generation [0-9]+, created .* \([0-9]+ s ago\), 2 enrolled users" "$out"
check_match "status: the replay guard and its failure mode" "^replay guard: DynamoDB table $TABLE \(unreachable: local" "$out"
out=$(as "$FH_AK" "$FH_SK" "$IL" --config "$W/A/iam-login.conf" doctor 2>&1)
check_match "doctor: the installed MFA bundle" "^ok +fleet MFA: generation [0-9]+, [0-9]+ s old, 2 enrolled users" "$out"
check_match "doctor: the replay guard answers (host policy: dynamodb:DescribeTable)" "^ok +replay guard: DynamoDB table $TABLE answers" "$out"
chmod 0755 "$W/A/etc" # even with the directory open, the file is root's alone
for who in 998 999; do # the directory writer and the key-command user (any non-root uid)
	out=$(setpriv --reuid=$who --regid=$who --clear-groups cat "$W/A/etc/totp.users" 2>&1)
	check_match "uid $who reading the installed secrets: EACCES" "Permission denied" "$out"
done
chmod 0700 "$W/A/etc"

# ---------------------------------------------------------------- pam_iam on two hosts
PAMD=$W/pam.d
mkdir -p "$PAMD"
for h in A B C; do
	printf 'auth required %s config=%s iam_mfa_helper=%s nodelay\naccount required pam_permit.so\n' \
		"$BUILD/pam_iam.so" "$W/$h/iam-login.conf" "$IL" >"$PAMD/host${h,,}"
done
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$PAMD/other"
mount --bind "$PAMD" /etc/pam.d || { not_ok "bind-mount pam.d"; exit 1; }
SHIM=$BUILD/tests/tools/syslog_capture.so
LOG=$W/syslog
: >"$LOG"
pt() { # HOST USER CODE -> RC, MS, LASTLOG
	local before t0
	before=$(wc -l <"$LOG")
	t0=$(date +%s%N)
	printf '%s\n' "$3" | as "$FH_AK" "$FH_SK" env SYSLOG_CAPTURE="$LOG" LD_PRELOAD="$SHIM" \
		pamtester "host${1,,}" "$2" authenticate >"$W/pt.out" 2>&1
	RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
	LASTLOG=$(tail -n +$((before + 1)) "$LOG" | grep 'pam_iam(' || true)
}
code() { oathtool --totp -b -N "@$(($(date +%s) + ${1:-0}))" "${2:-$SECRET}"; }
# start early in a 30 s step so "now" and "next" stay what they say
while [ $(($(date +%s) % 30)) -gt 20 ]; do sleep 1; done
C1=$(code)
pt A alice "$C1"
check_eq "host A: alice's current code works" 0 "$RC"
check_match "... recorded in the replay table" "accepted \(replay table\)" "$LASTLOG"
pt B alice "$C1"
check_eq "host B: the same code is refused (replay table)" 1 "$RC"
check_match "... as used on another host" "already accepted on another host" "$LASTLOG"
check_eq "... though B's own replay state had never seen it" 0 "$(grep -c . "$W/B/etc/totp.users.iam-attempts" 2>/dev/null || echo 0)"
C2=$(code 30)
pt B alice "$C2"
check_eq "host B: the next code works" 0 "$RC"
pt A alice "$C2"
check_eq "host A: that code is now refused too" 1 "$RC"
item=$(aws_admin dynamodb get-item --table-name "$TABLE" --key "{\"user_id\":{\"S\":\"$ALICE_ID\"}}" --output text)
check_match "one item per user holds the last step" "$(($(date +%s) / 30 + 1))" "$item"

# ---------------------------------------------------------------- DynamoDB down
DEAD=http://127.0.0.1:$(free_port)
sed -i "s|^dynamodb_endpoint = .*|dynamodb_endpoint = $DEAD|" "$W/A/iam-login.conf" "$W/B/iam-login.conf"
# bob now: alice's steps are used up on both hosts
while [ $(($(date +%s) % 30)) -gt 20 ]; do sleep 1; done
C3=$(code 0 "$BOB_SECRET")
pt A bob "$C3"
check_eq "DynamoDB down, local: host A accepts a fresh code" 0 "$RC"
check_match "... and logs that only its own replay state was checked" "replay guard unreachable.*replay_guard_failure = local" "$LASTLOG"
check_eq "... within 2.5 s" 1 "$([ "$MS" -le 2500 ] && echo 1 || echo 0)"
pt A bob "$C3"
check_eq "local: host A refuses the replay on A" 1 "$RC"
out=$(as "$FH_AK" "$FH_SK" "$IL" --config "$W/A/iam-login.conf" doctor 2>&1)
check_match "doctor: the replay guard unreachable is a warning under local" "^WARN +replay guard: DynamoDB table $TABLE: .*local" "$out"
pt B bob "$C3"
check_eq "local: host B accepts it once (the documented window)" 0 "$RC"
check_match "... logged" "replay guard unreachable" "$LASTLOG"
pt B bob "$C3"
check_eq "... and never twice on B" 1 "$RC"

# a DynamoDB that accepts the connection and never answers: the deadline holds
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(50); time.sleep(600)' "${DEAD##*:}" &
HANG_PID=$!
sleep 0.5
sed -i "s|^replay_guard_failure = .*|replay_guard_failure = deny|" "$W/A/iam-login.conf"
C4=$(code 30 "$BOB_SECRET")
pt A bob "$C4"
check_eq "DynamoDB hanging, deny: bob (an IAM user) is refused" 1 "$RC"
check_match "... and told why in the log" "replay guard unreachable.*deny" "$LASTLOG"
check_eq "... within 2.5 s (${MS} ms)" 1 "$([ "$MS" -le 2500 ] && echo 1 || echo 0)"
printf 'auth [success=done ignore=ignore default=die] %s config=%s iam_mfa_helper=%s nodelay\nauth required pam_permit.so\naccount required pam_permit.so\n' \
	"$BUILD/pam_iam.so" "$W/A/iam-login.conf" "$IL" >"$PAMD/hosta-local"
printf '' | as "$FH_AK" "$FH_SK" pamtester hosta-local root authenticate >/dev/null 2>&1
check_eq "deny: a local user (root) is unaffected" 0 "$?"
kill $HANG_PID 2>/dev/null
HANG_PID=

# ---------------------------------------------------------------- removal
out=$(as "$ALICE_AK" "$ALICE_SK" "$IL" --config "$W/client.conf" mfa remove --self --store "s3://$BUCKET/prod" 2>&1)
check_eq "alice removes her fleet enrolment" 0 "$?"
as "$PUB_AK" "$PUB_SK" "$IL" --config "$W/pub.conf" publish >/dev/null 2>&1
out=$(pull C 2>&1)
check_match "host C: the next pull removes her secret" "1 users .*1 removed" "$out"
check_nomatch "... from the usersfile" "$ALICE_ID" "$(cat "$W/C/etc/totp.users")"
check_match "... bob's stays, with its line unchanged" "$BOB_ID" "$(cat "$W/C/etc/totp.users")"
exit 0
