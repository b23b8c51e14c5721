#!/usr/bin/env bash
# iam-login install against candidates the (unprivileged) sync user could craft:
# a valid checksum is no proof, the checksum is not a MAC. The fuzzer found a
# candidate whose lookup index hides a user that enumeration lists (getpwent
# shows alice, getpwnam does not); install refuses it and keeps the old one.
source "$(dirname "$0")/../lib/tap.sh"
[ "$(id -u)" = 0 ] || { skip "install of hostile candidates" "needs root (install is root's)"; exit 0; }
T=$(mktemp -d -t install-hostile.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 0755 "$T"
mkdir -p "$T/state/sync"
printf '[directory]\nstate_dir = %s/state\n' "$T" >"$T/conf"
export IAM_LOGIN_TEST_MODE=1
install_candidate() { cp "$1" "$T/state/sync/directory" && "$BUILD/iam-login" --config "$T/conf" install 2>&1; }
out=$(install_candidate "$TOP/tests/fuzz/corpus/snapshot/two-users")
check_match "a sound candidate is installed" "^installed generation 1: 2 users" "$out"
gen=$(stat -c %Y.%i "$T/state/directory")
out=$(install_candidate "$TOP/tests/fuzz/corpus/snapshot/index-hides-user")
check_eq "the crafted candidate is refused (exit 1)" 1 "$(install_candidate "$TOP/tests/fuzz/corpus/snapshot/index-hides-user" >/dev/null; echo $?)"
check_match "... saying why" "refused: user [a-z]+: the lookup index does not lead to it; the installed snapshot is unchanged" "$out"
check_eq "... and the installed snapshot is the old one" "$gen" "$(stat -c %Y.%i "$T/state/directory")"
[ "$TAP_FAILED" -eq 0 ]
