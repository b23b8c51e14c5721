#!/usr/bin/env bash
# libnss-iam's maintainer scripts on nsswitch.conf files as operators write
# them: configure adds "iam" after files/compat (and their [actions]) on passwd,
# group and initgroups only, twice changes nothing, and remove gives back the
# file byte for byte. Run on copies (the path is the only thing changed); the
# packaged install itself is tests/e2e/debian_packages.sh.
source "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
script() { # script NAME: the maintainer script working on $T/nsswitch.conf
	sed -e "s|^NSSWITCH=.*|NSSWITCH=$T/nsswitch.conf|" -e 's/#DEBHELPER#//' "$TOP/debian/libnss-iam.$1" >"$T/$1"
}
script postinst
script prerm
for s in postinst prerm; do check "libnss-iam.$s parses as POSIX sh (dash -n)" dash -n "$T/$s"; done
configure() { sh "$T/postinst" configure; }
remove() { sh "$T/prerm" remove; }

# case NAME INPUT EXPECTED-AFTER-CONFIGURE
case_() {
	printf '%s' "$2" >"$T/nsswitch.conf"
	configure
	check_eq "$1: configure" "$3" "$(cat "$T/nsswitch.conf")"
	configure
	check_eq "$1: configure again changes nothing" "$3" "$(cat "$T/nsswitch.conf")"
	remove
	printf '%s' "$2" >"$T/expected"
	check "$1: remove gives back the file byte for byte" cmp "$T/expected" "$T/nsswitch.conf"
}

case_ "Debian's default" \
	$'# comment\npasswd:         files\ngroup:          files\nshadow:         files\ngshadow:        files\n\nhosts:          files dns\n' \
	$'# comment\npasswd:         files iam\ngroup:          files iam\nshadow:         files\ngshadow:        files\n\nhosts:          files dns'
case_ "systemd and compat, trailing blanks, an initgroups line" \
	$'passwd: compat systemd\ngroup: files systemd  \ninitgroups: files\nnetgroup: files\n' \
	$'passwd: compat iam systemd\ngroup: files iam systemd  \ninitgroups: files iam\nnetgroup: files'
case_ "an action after files stays with files" \
	$'passwd: files [NOTFOUND=return] sss\ngroup: files\n' \
	$'passwd: files [NOTFOUND=return] iam sss\ngroup: files iam'
case_ "no files service: appended" \
	$'passwd: sss\ngroup: sss\t\n' \
	$'passwd: sss iam\ngroup: sss iam\t'
case_ "lines that only look alike are left alone" \
	$'#passwd: files\npasswdx: files\n passwd: files\npasswd: files\n' \
	$'#passwd: files\npasswdx: files\n passwd: files\npasswd: files iam'

# An operator's own iam (a make install host) is kept by configure; remove
# takes it out with its merge action, as the module is about to go.
printf 'passwd: files iam\ngroup: files [SUCCESS=merge] iam [NOTFOUND=return]\n' >"$T/nsswitch.conf"
configure
check_eq "an iam already there: configure leaves the file as it is" \
	$'passwd: files iam\ngroup: files [SUCCESS=merge] iam [NOTFOUND=return]' "$(cat "$T/nsswitch.conf")"
remove
check_eq "remove: iam with its actions and a merge before it" $'passwd: files\ngroup: files' "$(cat "$T/nsswitch.conf")"

rm -f "$T/nsswitch.conf"
OUT=$(configure 2>&1)
check_match "no nsswitch.conf: configure says what to add and succeeds" "add 'iam' after 'files'" "$OUT"
check "no nsswitch.conf: remove succeeds" remove
[ "$TAP_FAILED" -eq 0 ]
