#!/usr/bin/env bash
# One fresh process, one lookup: instructions of a whole `getent passwd USER`
# (callgrind, start-up included) with 500 / 5,000 / 20,000 users, served by
# libnss_iam from the snapshot and, as the peer, by nss_files with the same users
# in /etc/passwd (private mount namespace). The snapshot opens in O(1) (no
# whole-file checksum per process, issue 15), so the iam column should not grow
# with the directory; nss_files reads the file line by line until the user.
# Figures, not pass/fail. USERS overrides the sizes ("500 5000 20000").
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
SIZES=${USERS:-500 5000 20000}
for f in "$BUILD/tests/tools/mksnap" "$BUILD/libnss_iam.so.2"; do
	[ -e "$f" ] || { echo "fresh lookup bench: missing $f (make tests-build)"; exit 1; }
done
command -v valgrind >/dev/null 2>&1 || { echo "fresh lookup bench: valgrind missing"; exit 0; }

T=$(mktemp -d -t fresh_lookup.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
mkdir -p "$T/lib" /var/lib/iam-login
ln -s "$BUILD/libnss_iam.so.2" "$T/lib/libnss_iam.so.2"
printf 'passwd: iam\ngroup: iam\n' >"$T/nsswitch.iam"
printf 'passwd: files\ngroup: files\n' >"$T/nsswitch.files"

# count SIZE SOURCE USER -> instructions of the whole getent process
count() {
	unshare -m --propagation private sh -c '
		mount --bind "$1/nsswitch.$3" /etc/nsswitch.conf &&
		mount --bind "$1/s$2/state" /var/lib/iam-login &&
		if [ "$3" = files ]; then
			mount --bind "$1/s$2/passwd" /etc/passwd && mount --bind "$1/s$2/group" /etc/group
		fi &&
		LD_LIBRARY_PATH="$1/lib" exec valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			getent passwd "$4"' sh "$T" "$1" "$2" "$3" 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

echo "== fresh-process lookup: instructions of one 'getent passwd USER' (callgrind, whole process)"
printf '%-8s %-8s %14s %14s %14s %10s\n' users user iam files "iam/files" "iam/first"
first=
for n in $SIZES; do
	mkdir -p "$T/s$n/state"
	chmod 755 "$T/s$n" "$T/s$n/state"
	"$BUILD/tests/tools/mksnap" --generate "$n" $((n / 17 + 1)) "$T/s$n/state" "$T/s$n/gen.passwd" \
		"$T/s$n/gen.group" >/dev/null
	cat /etc/passwd "$T/s$n/gen.passwd" >"$T/s$n/passwd"
	cat /etc/group "$T/s$n/gen.group" >"$T/s$n/group"
	chmod 644 "$T/s$n/passwd" "$T/s$n/group"
	user=$(tail -1 "$T/s$n/gen.passwd" | cut -d: -f1) # the last line: nss_files' worst case
	i=$(count "$n" iam "$user")
	f=$(count "$n" files "$user")
	[ -z "$first" ] && first=$i
	awk -v n="$n" -v u="$user" -v i="$i" -v f="$f" -v first="$first" 'BEGIN {
		printf "%-8s %-8s %14d %14d %13.2fx %9.3fx\n", n, u, i, f, i / f, i / first }'
done
echo "target: the iam column independent of the size within 10 % (iam/first <= 1.10)"
