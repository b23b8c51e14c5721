#!/usr/bin/env bash
# [keys] chain (issue 12 item 4): sshd takes one AuthorizedKeysCommand, and EC2
# images ship EC2 Instance Connect's. With chain = <command> %u %f the key
# command runs it after its own answer, within the same deadline, for every
# user. Real sshd and ssh, a fake EIC command.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"
source "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

for f in "$BUILD/iam-authorized-keys" "$BUILD/iam-login" "$BUILD/libnss_iam.so.2"; do
	[ -e "$f" ] || { skip "sshd_chain" "$f not built"; exit 0; }
done
moto_available || { skip "sshd_chain" "moto_server or aws CLI missing"; exit 0; }
[ -x /usr/sbin/sshd ] || { skip "sshd_chain" "no sshd"; exit 0; }

moto_start || { not_ok "moto_start"; exit 1; }
sandbox_setup || { not_ok "sandbox_setup"; exit 1; }
sandbox_syslog || { not_ok "sandbox_syslog"; exit 1; }

aws_admin iam create-user --user-name alice >/dev/null
alice_key=$(sandbox_keygen alice)
aws_admin iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "$alice_key.pub")" >/dev/null
# A local account whose key only the chained command (the fake EIC) knows.
sandbox_local_user admin 5200 /
admin_key=$(sandbox_keygen admin)

# The fake EIC: records its arguments, prints admin's key for admin only.
# EIC_MODE (a root-owned file) switches it to hang, fail or print garbage.
cat >/usr/sbin/fake-eic <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>$SB/eic.args
mode=\$(cat $SB/eic.mode 2>/dev/null)
case \$mode in
hang) sh -c 'echo \$\$ >$SB/eic.child; exec sleep 30' & echo \$\$ >$SB/eic.pid; wait ;;
fail) echo "$(cat "$admin_key.pub")"; exit 1 ;;
garbage) printf 'ssh-ed25519 AAAA\001evil\n' ;;
esac
[ "\$1" = admin ] && echo "$(cat "$admin_key.pub")"
exit 0
EOF
chmod 0755 /usr/sbin/fake-eic
chown root:root /usr/sbin/fake-eic
: >"$SB/eic.args"
: >"$SB/eic.pid"
: >"$SB/eic.child"
chmod 0666 "$SB/eic.args" "$SB/eic.pid" "$SB/eic.child" # the key command's user writes them

moto_config "$SB_CONF" "[directory]" "state_dir = $SB_STATE" \
	"[keys]" "cache_dir = $SB_CACHE" "deadline = 2" "chain = /usr/sbin/fake-eic %u %f"
sandbox_service_creds "$HOST_AK" "$HOST_SK"
check "sync" sandbox_sync --quiet
sshd_start "Include $TOP/conf/sshd_config.d/iam-login.conf" ||
	{ not_ok "sshd_start" "$(cat "$SSHD_LOG")"; exit 1; }
login() { ssh_as "$1" "$2" id -un 2>/dev/null; }
ms() { date +%s%3N; }

check_eq "local admin logs in with the key the chained command prints" "admin" "$(login admin "$admin_key")"
check_match "the chain got %u and %f" "^admin SHA256:[A-Za-z0-9+/]{43}$" "$(tail -1 "$SB/eic.args")"
check_eq "alice (IAM) still logs in with her IAM key" "alice" "$(login alice "$alice_key")"
check_eq "admin's key is not alice's" "" "$(login alice "$admin_key")"
check_match "audit: the chain's lines are logged" "iam-authorized-keys\[[0-9]+\]: user=admin chain=ran lines=1" "$(cat "$SB_SYSLOG")"

echo hang >"$SB/eic.mode"
t0=$(ms)
out=$(as_keys /usr/sbin/iam-authorized-keys alice 2>"$SB/ak.err")
took=$(($(ms) - t0))
echo "# measured: chain hanging→answer $took ms (deadline 2000 ms)"
check_match "chain hanging: alice's IAM key is still printed" "^ssh-ed25519 " "$out"
check "chain hanging: answered within the deadline ($took ms)" test "$took" -lt 2500
check_match "chain hanging: says so" "chain: timed out: answer dropped" "$(cat "$SB/ak.err")"
# recorded, and no longer running (a killed orphan may linger as a zombie until reaped)
gone() {
	local pid
	pid=$(cat "$1") && [ -n "$pid" ] || return 1
	[ ! -e "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]
}
check "chain hanging: the command was killed" gone "$SB/eic.pid"
check "chain hanging: so was the child it started (its process group)" gone "$SB/eic.child"

echo fail >"$SB/eic.mode"
check_eq "chain exiting 1: its keys do not count (as sshd treats a failed command)" "" \
	"$(as_keys /usr/sbin/iam-authorized-keys admin 2>/dev/null)"
echo garbage >"$SB/eic.mode"
out=$(as_keys /usr/sbin/iam-authorized-keys admin 2>/dev/null)
check_eq "chain printing a control character: that line is dropped, the good one kept" \
	"$(cat "$admin_key.pub")" "$out"
: >"$SB/eic.mode"

chmod 0775 /usr/sbin/fake-eic
check_eq "group-writable chain command: not run" "" "$(as_keys /usr/sbin/iam-authorized-keys admin 2>"$SB/ak.err")"
check_match "... and says why" "not a root-owned file others cannot write" "$(cat "$SB/ak.err")"
check_match "... alice's IAM keys unaffected" "^ssh-ed25519 " "$(as_keys /usr/sbin/iam-authorized-keys alice 2>/dev/null)"
chmod 0755 /usr/sbin/fake-eic
# a directory above it others may write: the program could be swapped, not run
mkdir -p /var/lib/eic && cp -p /usr/sbin/fake-eic /var/lib/eic/fake-eic && chmod 0777 /var/lib/eic
sed -i 's|^chain = .*|chain = /var/lib/eic/fake-eic %u %f|' "$SB_CONF"
check_eq "chain under a world-writable directory: not run" "" "$(as_keys /usr/sbin/iam-authorized-keys admin 2>"$SB/ak.err")"
check_match "... and says which directory" "directory /var/lib/eic is not root's alone" "$(cat "$SB/ak.err")"
[ "$TAP_FAILED" -eq 0 ]
