#!/usr/bin/env bash
# The typed IAM calls (common/iam/iam_api.h) against moto_server with signature
# checks and policy enforcement on. Data is seeded with the admin identity;
# every read runs as the HOST identity, whose only permissions are
# conf/iam-policy.json. What the client returns is compared with what boto3
# (an independent client) reads back as admin. Pagination runs through
# tests/lib/iampager.py, which cuts moto's complete answers into IAM-style pages
# (moto ignores MaxItems for these actions) and can break the paging.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"

PROBE=$BUILD/tests/tools/iam_api_probe
if ! moto_available; then
	skip "iam api against moto" "moto_server or aws CLI missing"
	exit 0
fi
if [ ! -x "$PROBE" ]; then
	not_ok "iam_api_probe is built" "missing $PROBE (make tests-build)"
	exit 1
fi

WORK=$(mktemp -d -t iam_api.XXXXXX)
PAGER_PID=
cleanup() {
	[ -n "$PAGER_PID" ] && kill "$PAGER_PID" 2>/dev/null && wait "$PAGER_PID" 2>/dev/null
	moto_stop
	rm -rf "$WORK"
}
moto_start || {
	not_ok "moto starts"
	exit 1
}
trap cleanup EXIT
export IAM_LOGIN_TEST_MODE=1

# --- seed (admin) -------------------------------------------------------------
seed() {
	aws_admin iam create-user --user-name alice --path /eng/ \
		--tags Key=team,Value=blue Key=iam-login:shell,Value=/bin/zsh >/dev/null &&
		aws_admin iam create-user --user-name bob >/dev/null &&
		aws_admin iam create-user --user-name carol --path /ops/ --tags Key=oncall,Value=yes >/dev/null &&
		aws_admin iam create-user --user-name dave >/dev/null &&
		aws_admin iam create-user --user-name erin.x+y@example.com >/dev/null &&
		aws_admin iam create-user --user-name frank_1 >/dev/null &&
		aws_admin iam create-user --user-name grace=g >/dev/null &&
		aws_admin iam create-group --group-name admins >/dev/null &&
		aws_admin iam create-group --group-name devs --path /teams/ >/dev/null &&
		aws_admin iam create-group --group-name empty-group >/dev/null &&
		aws_admin iam create-group --group-name ops >/dev/null &&
		for m in admins:alice admins:bob devs:alice devs:carol devs:dave devs:erin.x+y@example.com ops:bob; do
			aws_admin iam add-user-to-group --group-name "${m%%:*}" --user-name "${m#*:}" || return 1
		done
}
check "seed users, groups, memberships and tags as admin" seed
for i in 1 2; do ssh-keygen -q -t ed25519 -N '' -C "alice-key-$i" -f "$WORK/k$i" </dev/null; done
K1=$(aws_admin iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "$WORK/k1.pub")")
K2=$(aws_admin iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "$WORK/k2.pub")")
K1_ID=$(printf '%s' "$K1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["SSHPublicKey"]["SSHPublicKeyId"])')
K2_ID=$(printf '%s' "$K2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["SSHPublicKey"]["SSHPublicKeyId"])')
aws_admin iam update-ssh-public-key --user-name alice --ssh-public-key-id "$K2_ID" --status Inactive
check_match "ssh keys uploaded" '^APKA' "$K1_ID"

# --- expectations from boto3 as admin ----------------------------------------------
expect() {
	AWS_ACCESS_KEY_ID=$ADMIN_AK AWS_SECRET_ACCESS_KEY=$ADMIN_SK python3 - "$@" <<'PY'
import boto3, calendar, sys
iam = boto3.client('iam', endpoint_url=__import__('os').environ['MOTO_URL'], region_name='us-east-1')
what = sys.argv[1]
ts = lambda d: calendar.timegm(d.utctimetuple())
users = iam.list_users()['Users']
groups = iam.list_groups()['Groups']
member_of = {u['UserName']: [] for u in users}
members = {}
for g in groups:
    names = [u['UserName'] for u in iam.get_group(GroupName=g['GroupName'])['Users']]
    members[g['GroupName']] = names
    for n in names:
        member_of[n].append(g['GroupName'])
def user_line(u, tags=True, groups=True):
    t = ';'.join('%s=%s' % (x['Key'], x['Value']) for x in iam.list_user_tags(UserName=u['UserName'])['Tags']) if tags else ''
    g = ','.join(sorted(member_of[u['UserName']])) if groups else ''
    return 'user %s %s %s %s %d groups=%s tags=%s' % (u['UserName'], u['UserId'], u['Arn'], u['Path'], ts(u['CreateDate']), g, t)
def group_line(g):
    return 'group %s %s %s %s %d' % (g['GroupName'], g['GroupId'], g['Arn'], g['Path'], ts(g['CreateDate']))
out = []
if what == 'directory':
    out = [user_line(u, tags=sys.argv[2] == 'tags') for u in users] + [group_line(g) for g in groups]
elif what == 'users':
    out = [user_line(u, tags=False, groups=False) for u in users]
elif what == 'groups':
    out = [group_line(g) for g in groups]
elif what == 'get-group':
    g = iam.get_group(GroupName=sys.argv[2])['Group']
    out = [group_line(g)] + ['member %s' % n for n in members[sys.argv[2]]]
elif what == 'get-user':
    out = [user_line(iam.get_user(UserName=sys.argv[2])['User'], groups=False)]
elif what == 'list-keys':
    out = ['key %s %s %d' % (k['SSHPublicKeyId'], k['Status'], ts(k['UploadDate'])) for k in iam.list_ssh_public_keys(UserName=sys.argv[2])['SSHPublicKeys']]
elif what == 'get-key':
    k = iam.get_ssh_public_key(UserName=sys.argv[2], SSHPublicKeyId=sys.argv[3], Encoding='SSH')['SSHPublicKey']
    out = ['key %s %s %s %d' % (k['SSHPublicKeyId'], k['Status'], k['Fingerprint'], ts(k['UploadDate'])), 'body %s' % k['SSHPublicKeyBody']]
elif what == 'group-members':
    out = ['members %s %s' % (g, ','.join(sorted(members[g], key=str.lower))) for g in members]
elif what == 'list-mfa':
    out = ['mfa %s %d' % (d['SerialNumber'], ts(d['EnableDate'])) for d in iam.list_mfa_devices(UserName=sys.argv[2])['MFADevices']]
print('\n'.join(sorted(out)))
PY
}
# Sort the probe's lines and the groups= list inside each user line, for comparison.
norm() {
	grep -E '^(user|group|members?|key|body|mfa) ' | python3 -c '
import sys, re
def fix(l):
    m = re.search(r" groups=(\S*) ", l)
    if m:
        l = l[:m.start(1)] + ",".join(sorted(filter(None, m.group(1).split(",")))) + l[m.end(1):]
    return l
print("\n".join(sorted(fix(l.rstrip("\n")) for l in sys.stdin)))'
}

CONF=$WORK/iam-login.conf
moto_config "$CONF"
probe() { env $(host_env) "$PROBE" --config "$CONF" "$@"; }
probe_as_admin() {
	AWS_ACCESS_KEY_ID=$ADMIN_AK AWS_SECRET_ACCESS_KEY=$ADMIN_SK AWS_CONFIG_FILE=/dev/null \
		AWS_SHARED_CREDENTIALS_FILE=/dev/null "$PROBE" --config "$CONF" "$@"
}
NUSERS=$(expect users | wc -l)
NGROUPS=$(expect groups | wc -l)
check_eq "boto3 sees 9 users and 4 groups" "9 4" "$NUSERS $NGROUPS"

# --- every read call as the host, one page each ------------------------------------
out=$(probe --calls gaad)
check_eq "GetAccountAuthorizationDetails as host: users, groups, memberships, tags exactly" \
	"$(expect directory tags)" "$(printf '%s\n' "$out" | norm)"
check_match "GAAD takes one call when not paged" '^calls 1$' "$(printf '%s\n' "$out" | grep '^calls')"
out=$(probe --calls directory)
check_eq "ListUsers+ListGroups+GetGroup directory as host: users, groups, memberships" \
	"$(expect directory notags)" "$(printf '%s\n' "$out" | norm)"
check_eq "directory makes 1 ListUsers + 1 ListGroups + 4 GetGroup calls" "calls 6" \
	"$(printf '%s\n' "$out" | grep '^calls')"
check_eq "ListUsers as host" "$(expect users)" "$(probe users | norm)"
check_eq "ListGroups as host" "$(expect groups)" "$(probe groups | norm)"
check_eq "GetGroup devs as host (members)" "$(expect get-group devs)" "$(probe get-group devs | norm)"
check_eq "GetGroup empty-group as host (no members)" "$(expect get-group empty-group)" \
	"$(probe get-group empty-group | norm)"
# No host code path calls GetUser, so conf/iam-policy.json leaves it out; admin checks it.
check_match "GetUser as host is outside the policy: AccessDenied" '^error rc=-13 code=AccessDenied' \
	"$(probe get-user alice)"
check_eq "GetUser alice as admin (with tags)" "$(expect get-user alice)" "$(probe_as_admin get-user alice | norm)"
check_eq "GetUser of a name with +=,.@ characters (admin)" "$(expect get-user erin.x+y@example.com)" \
	"$(probe_as_admin get-user erin.x+y@example.com | norm)"
check_eq "ListSSHPublicKeys alice as host (Active and Inactive)" "$(expect list-keys alice)" \
	"$(probe list-keys alice | norm)"
check_eq "ListSSHPublicKeys bob as host: none" "" "$(probe list-keys bob | norm)"
check_eq "GetSSHPublicKey alice key 1 as host (Encoding=SSH body, fingerprint)" \
	"$(expect get-key alice "$K1_ID")" "$(probe get-key alice "$K1_ID" | norm)"
check_match "GetSSHPublicKey body is the uploaded key" "^body $(cut -d' ' -f1-2 "$WORK/k1.pub" | sed 's/+/\\+/g')" \
	"$(probe get-key alice "$K1_ID")"
check_eq "ListMFADevices bob as host: none" "" "$(probe list-mfa bob | norm)"

# --- iam-login users / groups (the commands on top of the same calls) ------------------
IAMLOGIN=$BUILD/iam-login
# The --json output of users/groups as the probe's lines, for comparison.
json_lines() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for u in d.get("users", []):
    print("user %s %s %s %s %d groups=%s tags=%s" % (u["name"], u["id"], u["arn"], u["path"],
          u["created_unix"], ",".join(u["groups"]), ";".join("%s=%s" % kv for kv in u["tags"].items())))
for g in d.get("groups", []):
    print("group %s %s %s %s %d" % (g["name"], g["id"], g["arn"], g["path"], g["created_unix"]))
    print("members %s %s" % (g["name"], ",".join(g["members"])))
' | norm
}
cli() { env $(host_env) "$IAMLOGIN" --config "$CONF" "$@"; }
out=$(cli users --json)
check_eq "iam-login users --json as host: every user with groups and tags" \
	"$(expect directory tags | grep '^user ')" "$(printf '%s\n' "$out" | json_lines)"
check_eq "iam-login users --json lists users sorted by name" \
	"$(expect users | awk '{print $2}' | sort -f)" \
	"$(printf '%s\n' "$out" | python3 -c 'import json,sys; print("\n".join(u["name"] for u in json.load(sys.stdin)["users"]))')"
check_eq "iam-login users --source list --json: same users, no tags" \
	"$(expect directory notags | grep '^user ')" "$(cli users --source list --json | json_lines)"
out=$(cli groups --json)
check_eq "iam-login groups --json: every group with its members" \
	"$( (expect groups; expect group-members) | sort)" "$(printf '%s\n' "$out" | json_lines)"
check_eq "iam-login groups --source list --json: the same" \
	"$( (expect groups; expect group-members) | sort)" "$(cli groups --source list --json | json_lines)"
out=$(cli users)
check_match "iam-login users: table header" '^NAME +USER ID +CREATED +GROUPS +ARN$' "$(printf '%s\n' "$out" | head -1)"
check_eq "iam-login users: one row per user" "$((NUSERS + 1))" "$(printf '%s\n' "$out" | wc -l)"
ALICE_ID=$(expect users | awk '$2 == "alice" {print $3}')
check_match "iam-login users: alice's row (id, UTC time, groups, ARN)" \
	"^alice +$ALICE_ID +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z +(admins,devs|devs,admins) +arn:aws:iam::123456789012:user/eng/alice\$" \
	"$(printf '%s\n' "$out" | grep '^alice ')"
out=$(cli groups)
check_match "iam-login groups: devs has 4 members, listed" \
	'^devs +[a-z0-9A-Z]+ +[0-9T:-]+Z +4 +alice,carol,dave,erin\.x\+y@example\.com$' "$(printf '%s\n' "$out" | grep '^devs ')"
check_match "iam-login groups: empty-group has none" '^empty-group +[a-z0-9A-Z]+ +[0-9T:-]+Z +0 +-$' \
	"$(printf '%s\n' "$out" | grep '^empty-group ')"
check "iam-login users --help exits 0 and documents exit status" sh -c "'$IAMLOGIN' users --help | grep -q '^Exit status:'"
check "iam-login groups --help exits 0 and names the permissions" sh -c "'$IAMLOGIN' groups --help | grep -q 'iam:GetAccountAuthorizationDetails'"
"$IAMLOGIN" --config "$CONF" users --bogus >/dev/null 2>&1
check_eq "iam-login users --bogus: usage error 2" 2 $?
"$IAMLOGIN" --config "$CONF" groups --page-size 0 >/dev/null 2>&1
check_eq "iam-login groups --page-size 0: usage error 2" 2 $?

# --- errors ---------------------------------------------------------------------------
check_match "GetUser of a missing user: NoSuchEntity (-ENOENT)" '^error rc=-2 code=NoSuchEntity' \
	"$(probe_as_admin get-user nobody)"
check_match "ListSSHPublicKeys of a missing user: NoSuchEntity (-ENOENT)" '^error rc=-2 code=NoSuchEntity' \
	"$(probe list-keys nobody)"
check "host policy: exactly the 7 read-only actions the host calls" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
acts = set()
for s in p["Statement"]:
    assert s["Effect"] == "Allow" and s["Resource"] == "*" and "Condition" not in s
    acts |= set([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
want = {"iam:GetAccountAuthorizationDetails", "iam:ListUsers", "iam:ListGroups", "iam:GetGroup",
        "iam:ListSSHPublicKeys", "iam:GetSSHPublicKey", "iam:ListMFADevices"}
assert acts == want, sorted(acts ^ want)
' "$TOP/conf/iam-policy.json"
check_match "CreateVirtualMFADevice as host is outside the policy: AccessDenied (-EACCES)" \
	'^error rc=-13 code=AccessDenied' "$(probe create-vmfa host-try)"
check_match "EnableMFADevice as host: AccessDenied (-EACCES)" '^error rc=-13 code=AccessDenied' \
	"$(probe enable-mfa dave arn:aws:iam::123456789012:mfa/x 123456 654321)"
check_match "invalid user name is refused before any request" '^error rc=-22 code=InvalidArgument' \
	"$(probe get-user 'bad name')"
out=$(AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=wrong-secret AWS_CONFIG_FILE=/dev/null \
	AWS_SHARED_CREDENTIALS_FILE=/dev/null "$PROBE" --config "$CONF" users)
check_match "wrong secret: SignatureDoesNotMatch" 'code=SignatureDoesNotMatch' "$out"

# --- MFA enrollment as admin ----------------------------------------------------------
out=$(probe_as_admin create-vmfa dave-phone)
SERIAL=$(printf '%s\n' "$out" | sed -n 's/^serial //p')
SEED=$(printf '%s\n' "$out" | sed -n 's/^seed //p')
check_eq "CreateVirtualMFADevice as admin: serial" "arn:aws:iam::123456789012:mfa/dave-phone" "$SERIAL"
check_match "CreateVirtualMFADevice as admin: base32 seed" '^[A-Z2-7]{32,}=*$' "$SEED"
C1=$(oathtool --totp -b "$SEED" 2>/dev/null || echo 123456)
C2=$(oathtool --totp -b -N "now + 30 seconds" "$SEED" 2>/dev/null || echo 654321)
check_eq "EnableMFADevice as admin" "enabled" "$(probe_as_admin enable-mfa dave "$SERIAL" "$C1" "$C2")"
check_eq "ListMFADevices dave as host shows the new device" "$(expect list-mfa dave)" \
	"$(probe list-mfa dave | norm)"
check_match "ListMFADevices dave: serial" "^mfa $SERIAL [0-9]+$" "$(probe list-mfa dave | norm)"

# conf/iam-policy-mfa-admin.json as its own identity. moto evaluates IAM policies only
# against Resource "*", so the ARNs are checked for shape here and replaced by "*" there.
check "mfa-admin policy: the IAM device actions scoped to mfa/ and user/ ARNs, the fleet ones to mfa/*" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
acts = {}
for s in p["Statement"]:
    assert s["Effect"] == "Allow"
    for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]):
        acts[a] = s["Resource"]
assert acts == {"iam:CreateVirtualMFADevice": "arn:aws:iam::*:mfa/*",
                "iam:EnableMFADevice": "arn:aws:iam::*:user/*",
                "iam:ListMFADevices": "arn:aws:iam::*:user/*",
                "s3:PutObject": "arn:aws:s3:::BUCKET/PREFIX/mfa/*",
                "s3:DeleteObject": "arn:aws:s3:::BUCKET/PREFIX/mfa/*",
                "iam:GetUser": "*",
                "kms:GenerateDataKey": "arn:aws:kms:REGION:ACCOUNT:key/MFA-KEY-ID"}, acts
' "$TOP/conf/iam-policy-mfa-admin.json"
python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
for s in p["Statement"]:
    s["Resource"] = "*"
print(json.dumps(p))' "$TOP/conf/iam-policy-mfa-admin.json" >"$WORK/mfa-admin.json"
aws_admin iam create-user --user-name iam-login-mfa-admin >/dev/null
aws_admin iam put-user-policy --user-name iam-login-mfa-admin --policy-name mfa \
	--policy-document "file://$WORK/mfa-admin.json"
k=$(aws_admin iam create-access-key --user-name iam-login-mfa-admin)
MFA_AK=$(printf '%s' "$k" | python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["AccessKeyId"])')
MFA_SK=$(printf '%s' "$k" | python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["SecretAccessKey"])')
probe_mfa() {
	AWS_ACCESS_KEY_ID=$MFA_AK AWS_SECRET_ACCESS_KEY=$MFA_SK AWS_CONFIG_FILE=/dev/null \
		AWS_SHARED_CREDENTIALS_FILE=/dev/null "$PROBE" --config "$CONF" "$@"
}
out=$(probe_mfa create-vmfa frank-phone)
SEED=$(printf '%s\n' "$out" | sed -n 's/^seed //p')
check_match "mfa-admin identity: CreateVirtualMFADevice allowed" '^serial arn:aws:iam::123456789012:mfa/frank-phone$' "$out"
C1=$(oathtool --totp -b "$SEED" 2>/dev/null || echo 123456)
C2=$(oathtool --totp -b -N "now + 30 seconds" "$SEED" 2>/dev/null || echo 654321)
check_eq "mfa-admin identity: EnableMFADevice allowed" "enabled" \
	"$(probe_mfa enable-mfa frank_1 arn:aws:iam::123456789012:mfa/frank-phone "$C1" "$C2")"
check_match "mfa-admin identity: ListMFADevices allowed" '^mfa arn:aws:iam::123456789012:mfa/frank-phone ' \
	"$(probe_mfa list-mfa frank_1)"
check_match "mfa-admin identity: ListUsers denied (nothing beyond MFA)" '^error rc=-13 code=AccessDenied' \
	"$(probe_mfa users)"

err=$(AWS_ACCESS_KEY_ID=$MFA_AK AWS_SECRET_ACCESS_KEY=$MFA_SK AWS_CONFIG_FILE=/dev/null \
	AWS_SHARED_CREDENTIALS_FILE=/dev/null "$IAMLOGIN" --config "$CONF" users 2>&1 >/dev/null)
rc=$?
check_eq "iam-login users without GAAD permission: exit 1" 1 $rc
check_match "iam-login users without permission: AWS code on stderr" '^iam-login users: AccessDenied: .*GetAccountAuthorizationDetails' "$err"

# --- pagination through the paging proxy ---------------------------------------------
PAGER_PORT=$(free_port)
PAGER_LOG=$WORK/pager.log
PAGER_CONTROL=$WORK/pager.json
echo '{}' >"$PAGER_CONTROL"
python3 "$TOP/tests/lib/iampager.py" --port "$PAGER_PORT" --upstream "$MOTO_URL" \
	--log "$PAGER_LOG" --control "$PAGER_CONTROL" &
PAGER_PID=$!
for i in $(seq 1 50); do
	curl -s -o /dev/null "http://127.0.0.1:$PAGER_PORT/moto-api/" && break
	sleep 0.1
done
PCONF=$WORK/paged.conf
MOTO_URL=http://127.0.0.1:$PAGER_PORT moto_config "$PCONF" "page_size = 2"
pprobe() { env $(host_env) "$PROBE" --config "$PCONF" "$@"; }

# The mfa-admin identity made it 10 users: 14 items, 7 pages of 2.
NITEMS=$(($(expect users | wc -l) + $(expect groups | wc -l)))
check_eq "14 users and groups to page through" 14 "$NITEMS"
want_log=$(for ((off = 0; off < NITEMS; off += 2)); do
	m=-
	[ $off -gt 0 ] && m="pg:$off/+=&"
	n=$((NITEMS - off < 2 ? NITEMS - off : 2))
	echo "GetAccountAuthorizationDetails max=2 marker=$m items=$n 200"
done)
: >"$PAGER_LOG"
out=$(pprobe --calls gaad)
check_eq "paged GAAD ([aws] page_size = 2): every user and group exactly once" \
	"$(expect directory tags)" "$(printf '%s\n' "$out" | norm)"
check_eq "paged GAAD: 14 items in 7 pages" "calls 7" "$(printf '%s\n' "$out" | grep '^calls')"
check_eq "paged GAAD: every request asked MaxItems=2, markers followed in order" \
	"$want_log" "$(cat "$PAGER_LOG")"

: >"$PAGER_LOG"
out=$(pprobe --calls directory)
check_eq "paged directory: every user, group and membership exactly once" \
	"$(expect directory notags)" "$(printf '%s\n' "$out" | norm)"
# ListUsers 10 -> 5 pages, ListGroups 4 -> 2, GetGroup admins 1, devs 2, empty 1, ops 1
check_eq "paged directory: 5 ListUsers + 2 ListGroups + 5 GetGroup pages" "calls 12" \
	"$(printf '%s\n' "$out" | grep '^calls')"
check_eq "paged directory: no request got an error" "0" "$(grep -vc ' 200$' "$PAGER_LOG")"
check_eq "paged ListUsers (--page-size 4): all 10 users" "$(expect users)" "$(pprobe --page-size 4 users | norm)"
check_eq "iam-login users --json through 2-item pages: all users once" \
	"$(expect directory tags | grep '^user ')" "$(env $(host_env) "$IAMLOGIN" --config "$PCONF" users --json | json_lines)"
check_eq "iam-login groups --source list --json through 2-item pages" \
	"$( (expect groups; expect group-members) | sort)" \
	"$(env $(host_env) "$IAMLOGIN" --config "$PCONF" groups --source list --json | json_lines)"
check_eq "paged GetGroup devs (4 members, 2 per page)" "$(expect get-group devs)" "$(pprobe get-group devs | norm)"

for f in no_marker repeat_marker drop_user_id; do
	echo "{\"fault\": \"$f\"}" >"$PAGER_CONTROL"
	out=$(pprobe gaad)
	check_match "paging fault $f: GAAD fails with -EBADMSG" '^error rc=-74 code=MalformedResponse' "$out"
	check_eq "paging fault $f: no partial result printed" "0" "$(printf '%s\n' "$out" | grep -c '^user ')"
	out=$(pprobe directory)
	check_match "paging fault $f: directory fails with -EBADMSG" '^error rc=-74 code=MalformedResponse' "$out"
	out=$(env $(host_env) "$IAMLOGIN" --config "$PCONF" users 2>&1)
	check_match "paging fault $f: iam-login users fails, prints no table" '^iam-login users: MalformedResponse: ' "$out"
done
echo '{}' >"$PAGER_CONTROL"

exit 0
