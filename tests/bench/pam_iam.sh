#!/usr/bin/env bash
# What pam_iam adds to a PAM transaction: hyperfine runs pamtester (account +
# auth under mfa=off, so no code is typed) against a stack with pam_iam and one
# with pam_permit only, for an IAM user in a 10,000-user snapshot and for a local
# user (PAM_IGNORE path). Also counts instructions of one pam_iam transaction
# with callgrind. Root; private mount namespace for /etc/pam.d.
#   BUILD=build bash tests/bench/pam_iam.sh
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
if [ -z "${IN_PAM_NS:-}" ]; then
	exec env IN_PAM_NS=1 unshare -m --propagation private bash "$0" "$@"
fi
T=$(mktemp -d -t pam-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/state" "$T/pd"
"$BUILD/tests/tools/mksnap" --generate 10000 200 "$T/state" >/dev/null
printf '[directory]\nstate_dir = %s\nuid_min = 65536\nuid_max = 2147483647\n[mfa]\nusersfile = %s/users\n' "$T/state" "$T" >"$T/conf"
chmod 0644 "$T/conf"
cat >"$T/pd/iam" <<EOT
auth    [success=done ignore=ignore default=die] $BUILD/pam_iam.so config=$T/conf mfa=off
auth    required pam_permit.so
account [success=done ignore=ignore default=die] $BUILD/pam_iam.so config=$T/conf
account required pam_permit.so
EOT
printf 'auth required pam_permit.so\naccount required pam_permit.so\n' >"$T/pd/permit"
printf 'auth required pam_deny.so\n' >"$T/pd/other"
mount --bind "$T/pd" /etc/pam.d
user=$(sed -n 's/^user \([^ ]*\) .*/\1/p' <("$BUILD/tests/tools/mksnap" 2>&1) | head -1)
user=u05000
hyperfine -N -w 20 -r 300 \
	"pamtester permit $user authenticate acct_mgmt" \
	"pamtester iam $user authenticate acct_mgmt" \
	"pamtester iam root authenticate acct_mgmt" 2>&1 | grep -Ev '^\s*$'
if command -v valgrind >/dev/null; then
	for u in $user root; do
		valgrind --tool=callgrind --callgrind-out-file="$T/cg.$u" pamtester iam $u authenticate acct_mgmt >/dev/null 2>&1
		echo "callgrind pam_sm_* for $u: $(callgrind_annotate --inclusive=yes "$T/cg.$u" 2>/dev/null | grep -E 'pam_sm_(authenticate|acct_mgmt)' | awk '{gsub(",","",$1); s+=$1} END {print s}') instructions (auth+account)"
	done
fi
