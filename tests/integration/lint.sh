#!/usr/bin/env bash
# Build hygiene that reviewers would otherwise check by hand: formatting, the
# symbols each module exports, and which libraries each artifact may load
# (ARCHITECTURE.md, "Layout"): a stray call must not put libcurl or OpenSSL
# into getpwnam, an ssh login or a PAM stack.
source "$(dirname "$0")/../lib/tap.sh"
cd "$TOP"
if command -v clang-format >/dev/null; then
	OUT=$(clang-format --dry-run --Werror $(git ls-files '*.c' '*.h' 2>/dev/null) 2>&1)
	check_eq "clang-format: every C file matches .clang-format" "" "$(printf '%s' "$OUT" | grep -o '^[^:]*\.[ch]' | sort -u | tr '\n' ' ')"
else
	skip "clang-format" "clang-format is not installed"
fi
exports() { nm -D --defined-only "$1" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort; }
needed() { objdump -p "$1" | awk '/NEEDED/ {print $2}'; }
# The sanitizer runtimes of SAN=1 builds (the modules are built without them).
SAN_RUNTIME='^(libasan|libubsan|libstdc\+\+|libm|libgcc_s)\.so'
# needed_outside FILE ALLOWED_ERE: the NEEDED entries the artifact may not have.
needed_outside() { needed "$1" | grep -Ev "$SAN_RUNTIME" | grep -Ev "^($2)\.so" | tr '\n' ' ' | sed 's/ $//'; }
PAM_MAY='libpam|liboath|libinih|libc'
KEYS_MAY='libinih|libc'
TOOL_MAY='libcurl|libcrypto|libssl|libjansson|liboath|libexpat|libinih|libqrencode|libc'
if [ -f "$BUILD/libnss_iam.so.2" ]; then
	check_eq "libnss_iam.so.2 exports only _nss_iam_*" "" "$(exports "$BUILD/libnss_iam.so.2" | grep -v '^_nss_iam_' | tr '\n' ' ')"
	check_eq "libnss_iam.so.2 exports the 11 NSS entry points" 11 "$(exports "$BUILD/libnss_iam.so.2" | grep -c '^_nss_iam_')"
	# (also in SAN=1 builds: the modules are built without sanitizers there)
	check_eq "libnss_iam.so.2 needs libc only" "libc.so.6" "$(needed "$BUILD/libnss_iam.so.2" | tr '\n' ' ' | sed 's/ $//')"
fi
if [ -f "$BUILD/pam_iam.so" ]; then
	check_eq "pam_iam.so exports only pam_sm_*" "" "$(exports "$BUILD/pam_iam.so" | grep -v '^pam_sm_' | tr '\n' ' ')"
	check_match "pam_iam.so exports pam_sm_authenticate and pam_sm_acct_mgmt" "pam_sm_acct_mgmt.*pam_sm_authenticate" "$(exports "$BUILD/pam_iam.so" | tr '\n' ' ')"
	check_eq "pam_iam.so needs only libpam, liboath, libinih, libc" "" "$(needed_outside "$BUILD/pam_iam.so" "$PAM_MAY")"
fi
if [ -f "$BUILD/iam-authorized-keys" ]; then
	check_eq "iam-authorized-keys needs only libinih and libc" "" "$(needed_outside "$BUILD/iam-authorized-keys" "$KEYS_MAY")"
fi
if [ -f "$BUILD/iam-login" ]; then
	check_eq "iam-login needs only the project's chosen libraries" "" "$(needed_outside "$BUILD/iam-login" "$TOOL_MAY")"
fi
# The boundary is the link line, not luck: a libcurl call added to the key
# command fails to link the Makefile's way; forced in with -lcurl, the check
# above catches it.
if [ -f "$BUILD/iam-authorized-keys" ] && pkg-config --exists libcurl; then
	LW=$(mktemp -d -t lint.XXXXXX)
	cc -std=gnu11 -fPIC -c $(pkg-config --cflags libcurl) -o "$LW/stray.o" tests/integration/lint/curl_in_key_command.c
	out=$(make --no-print-directory -s BUILD="$BUILD" SAN="${SAN:-}" AUTHKEYS="$LW/keys-stray" \
		AUTHKEYS_EXTRA_OBJS="$LW/stray.o" "$LW/keys-stray" 2>&1)
	check_match "a libcurl call in the key command fails to link" "undefined reference to .curl_easy_init" "$out"
	make --no-print-directory -s BUILD="$BUILD" SAN="${SAN:-}" AUTHKEYS="$LW/keys-forced" \
		AUTHKEYS_EXTRA_OBJS="$LW/stray.o" AUTHKEYS_LIBS="-linih -Wl,--no-as-needed -lcurl" \
		"$LW/keys-forced" >"$LW/forced.log" 2>&1
	check_match "forced in with -lcurl, the NEEDED check names libcurl" "libcurl" "$(needed_outside "$LW/keys-forced" "$KEYS_MAY")"
	rm -rf "$LW"
fi
for t in iam-login iam-authorized-keys; do
	[ -f "$BUILD/$t" ] || continue
	check_match "$t is a PIE with full RELRO" "DYN.*BIND_NOW|BIND_NOW.*DYN" "$(readelf -hd "$BUILD/$t" | grep -E 'Type:|FLAGS' | tr '\n' ' ')"
done
# wipe() takes arrays only: a pointer would wipe sizeof(pointer) bytes.
WW=$(mktemp -d -t lint.XXXXXX)
cc -std=gnu11 -Wall -Werror -D_GNU_SOURCE -Icommon -c -o "$WW/a.o" tests/integration/lint/wipe_use.c
check_eq "wipe() of an array compiles" 0 "$?"
out=$(cc -std=gnu11 -Wall -Werror -D_GNU_SOURCE -Icommon -DWIPE_POINTER -c -o "$WW/p.o" tests/integration/lint/wipe_use.c 2>&1)
check_match "wipe() of a pointer does not compile" "needs an array" "$out"
rm -rf "$WW"
