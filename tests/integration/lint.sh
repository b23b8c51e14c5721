#!/usr/bin/env bash
# Build hygiene that reviewers would otherwise check by hand: formatting, the
# symbols each module exports, and that the NSS module links libc only.
source "$(dirname "$0")/../lib/tap.sh"
cd "$TOP"
if command -v clang-format >/dev/null; then
	OUT=$(clang-format --dry-run --Werror $(git ls-files '*.c' '*.h' 2>/dev/null) 2>&1)
	check_eq "clang-format: every C file matches .clang-format" "" "$(printf '%s' "$OUT" | grep -o '^[^:]*\.[ch]' | sort -u | tr '\n' ' ')"
else
	skip "clang-format" "clang-format is not installed"
fi
exports() { nm -D --defined-only "$1" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort; }
if [ -f "$BUILD/libnss_iam.so.2" ]; then
	check_eq "libnss_iam.so.2 exports only _nss_iam_*" "" "$(exports "$BUILD/libnss_iam.so.2" | grep -v '^_nss_iam_' | tr '\n' ' ')"
	check_eq "libnss_iam.so.2 exports the 11 NSS entry points" 11 "$(exports "$BUILD/libnss_iam.so.2" | grep -c '^_nss_iam_')"
	# (also in SAN=1 builds: the modules are built without sanitizers there)
	check_eq "libnss_iam.so.2 needs libc only" "libc.so.6" "$(objdump -p "$BUILD/libnss_iam.so.2" | awk '/NEEDED/ {print $2}' | tr '\n' ' ' | sed 's/ $//')"
fi
if [ -f "$BUILD/pam_iam.so" ]; then
	check_eq "pam_iam.so exports only pam_sm_*" "" "$(exports "$BUILD/pam_iam.so" | grep -v '^pam_sm_' | tr '\n' ' ')"
	check_match "pam_iam.so exports pam_sm_authenticate and pam_sm_acct_mgmt" "pam_sm_acct_mgmt.*pam_sm_authenticate" "$(exports "$BUILD/pam_iam.so" | tr '\n' ' ')"
fi
for t in iam-login iam-authorized-keys; do
	[ -f "$BUILD/$t" ] || continue
	check_match "$t is a PIE with full RELRO" "DYN.*BIND_NOW|BIND_NOW.*DYN" "$(readelf -hd "$BUILD/$t" | grep -E 'Type:|FLAGS' | tr '\n' ' ')"
done
