#!/usr/bin/env bash
# The shared sandbox harness itself (tests/lib/sandbox.sh): private overlays,
# service user, real sshd with an AuthorizedKeysCommand, real ssh client, and
# nothing leaking to the machine.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"
host_passwd_sum=$(md5sum </etc/passwd)
exec 9</etc # the host's /etc, reachable after the overlay hides it
sandbox_setup || { not_ok "sandbox_setup"; exit 1; }
ok "sandbox_setup"

check_eq "nsswitch.conf replaced inside" "passwd:         files iam" "$(grep '^passwd:' /etc/nsswitch.conf)"
check "service user resolves" getent passwd iam-login
check_eq "cache dir owned by the key command's user, 0700" "$SB_KEYS_USER 700" "$(stat -c '%U %a' "$SB_CACHE")"
check_eq "sync dir owned by the sync's user, 0700" "$SB_SVC_USER 700" "$(stat -c '%U %a' "$SB_STATE/sync")"
check_eq "as_keys runs as the key command's user" "$SB_KEYS_UID" "$(as_keys id -u)"
check "the two service users differ" test "$SB_KEYS_UID" != "$SB_SVC_UID"
check_eq "as_service runs as the service user" "$SB_SVC_UID" "$(as_service id -u)"
check_eq "as_service gives sshd's minimal env" "HOME=$SB_SVC_HOME" "$(as_service env | grep '^HOME=')"
[ -f "$BUILD/libnss_iam.so.2" ] && check "libnss_iam.so.2 in the system lib dir" test -f "$SB_LIBDIR/libnss_iam.so.2"

# A local user whose key comes from a root-owned AuthorizedKeysCommand.
sandbox_local_user sbtest 4242
key=$(sandbox_keygen sbtest)
install -m 0755 /dev/null /usr/sbin/sb-test-keys
printf '#!/bin/sh\n[ "$1" = sbtest ] && cat %s.pub\nexit 0\n' "$key" >/usr/sbin/sb-test-keys
chmod 0644 "$key.pub"
sshd_start "AuthorizedKeysCommand /usr/sbin/sb-test-keys %u" "AuthorizedKeysCommandUser $SB_KEYS_USER" ||
	{ not_ok "sshd_start" "$(cat "$SSHD_LOG")"; exit 1; }
ok "sshd_start on port $SSHD_PORT"
check_eq "ssh login with the command's key runs as the user" "4242" "$(ssh_as sbtest "$key" id -u 2>&1)"
other=$(sandbox_keygen other)
check_fails "a key the command does not print is refused" ssh_as sbtest "$other" true
check_fails "root is refused" ssh_as root "$key" true
sshd_stop

# Outside the namespace nothing changed.
check_eq "host /etc/passwd untouched" "$host_passwd_sum" "$(md5sum </proc/$$/fd/9/passwd)"
check_nomatch "host has no iam-login user" "^iam-login:" "$(cat /proc/$$/fd/9/passwd)"
check "sandbox sees its own passwd" grep -q "^sbtest:" /etc/passwd
exit 0
