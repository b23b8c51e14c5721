#!/usr/bin/env bash
# NSS benchmark: a 5,000-user, 300-group directory served three ways in one run,
# each through glibc (getpwnam() etc. in tests/tools/nss_bench) inside a private
# mount namespace with its own nsswitch.conf:
#   iam    libnss_iam.so.2 answering from the snapshot (mksnap --generate 5000 300)
#   files  nss_files with the same users/groups bind-mounted over /etc/passwd, /etc/group
#   floor  libnss_floor: a trivial in-memory module (glibc's dispatch floor)
# Prints p50/p99 per operation and the ratios that issue 3 sets targets for.
# Figures, not pass/fail. ITERS / FILES_ITERS / PASSES override the sample counts.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
ITERS=${ITERS:-20000}
FILES_ITERS=${FILES_ITERS:-2000}
PASSES=${PASSES:-30}
BENCH=$BUILD/tests/tools/nss_bench
for f in "$BENCH" "$BUILD/tests/tools/mksnap" "$BUILD/libnss_iam.so.2" "$BUILD/tests/tools/libnss_floor.so"; do
	[ -e "$f" ] || { echo "nss bench: missing $f (make tests-build)"; exit 1; }
done

T=$(mktemp -d /tmp/nss_bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/state" "$T/lib" /var/lib/iam-login
chmod 755 "$T" "$T/state"
"$BUILD/tests/tools/mksnap" --generate 5000 300 "$T/state" "$T/gen.passwd" "$T/gen.group" >/dev/null
cat /etc/passwd "$T/gen.passwd" >"$T/passwd"
cat /etc/group "$T/gen.group" >"$T/group"
chmod 644 "$T/passwd" "$T/group"
ln -s "$BUILD/libnss_iam.so.2" "$T/lib/libnss_iam.so.2"
ln -s "$BUILD/tests/tools/libnss_floor.so" "$T/lib/libnss_floor.so.2"
for src in iam files floor; do
	printf 'passwd: %s\ngroup: %s\ninitgroups: %s\n' "$src" "$src" "$src" >"$T/nsswitch.$src"
done

run() { # SOURCE ITERS
	local src=$1 iters=$2
	unshare -m --propagation private sh -c '
		mount --bind "$1/nsswitch.$2" /etc/nsswitch.conf &&
		mount --bind "$1/state" /var/lib/iam-login &&
		if [ "$2" = files ]; then
			mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group
		fi &&
		LD_LIBRARY_PATH="$1/lib" exec "$3" "$4" "$5"' sh "$T" "$src" "$BENCH" "$iters" "$PASSES"
}

echo "== NSS benchmark: 5000 users, 300 groups, $(nproc) cpus, $(ldd --version | head -1)"
echo "   samples per op: iam/floor $ITERS, files $FILES_ITERS; enumeration passes $PASSES"
echo "   snapshot: $(stat -c %s "$T/state/directory") bytes"
run iam "$ITERS" >"$T/out.iam" || echo "!! iam run reported wrong answers"
run files "$FILES_ITERS" >"$T/out.files" || echo "!! files run reported wrong answers"
run floor "$ITERS" >"$T/out.floor" || echo "!! floor run reported wrong answers"

fig() { awk -v op="$2" -v col="$3" '$1 == op { print $col }' "$T/out.$1"; }
us() { awk -v v="$1" 'BEGIN { if (v == "") print "-"; else printf "%.2f", v / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }

printf '\n%-15s %21s %21s %21s\n' "op (µs)" "iam p50 / p99" "floor p50 / p99" "files p50 / p99"
for op in getpwnam_hit getpwnam_miss getpwuid_hit getpwuid_miss getgrnam_hit getgrnam_miss initgroups getpwent_all; do
	printf '%-15s %10s /%9s %10s /%9s %10s /%9s\n' "$op" \
		"$(us "$(fig iam $op 2)")" "$(us "$(fig iam $op 3)")" \
		"$(us "$(fig floor $op 2)")" "$(us "$(fig floor $op 3)")" \
		"$(us "$(fig files $op 2)")" "$(us "$(fig files $op 3)")"
done
grep '^#' "$T/out.iam" | sed 's/^/iam   /'
grep '^#' "$T/out.files" | sed 's/^/files /'
grep '^#' "$T/out.floor" | sed 's/^/floor /'

echo
echo "ratios (p50)                              figure   target"
printf '%-40s %7sx   <= 1.5x\n' "getpwnam hit: iam / floor" "$(ratio "$(fig iam getpwnam_hit 2)" "$(fig floor getpwnam_hit 2)")"
printf '%-40s %7sx   <= 1.5x\n' "getpwuid hit: iam / floor" "$(ratio "$(fig iam getpwuid_hit 2)" "$(fig floor getpwuid_hit 2)")"
printf '%-40s %7sx   <= 1.5x\n' "getgrnam hit: iam / floor" "$(ratio "$(fig iam getgrnam_hit 2)" "$(fig floor getgrnam_hit 2)")"
printf '%-40s %7sx   >= 50x\n' "getpwnam hit: files / iam (speed-up)" "$(ratio "$(fig files getpwnam_hit 2)" "$(fig iam getpwnam_hit 2)")"
printf '%-40s %7sx   >= 50x\n' "getpwuid hit: files / iam (speed-up)" "$(ratio "$(fig files getpwuid_hit 2)" "$(fig iam getpwuid_hit 2)")"
printf '%-40s %7sx   >= 50x\n' "getgrnam hit: files / iam (speed-up)" "$(ratio "$(fig files getgrnam_hit 2)" "$(fig iam getgrnam_hit 2)")"
printf '%-40s %7sx   ~1x\n' "getpwnam: iam miss / iam hit" "$(ratio "$(fig iam getpwnam_miss 2)" "$(fig iam getpwnam_hit 2)")"
printf '%-40s %7sx   ~1x\n' "getpwuid: iam miss / iam hit" "$(ratio "$(fig iam getpwuid_miss 2)" "$(fig iam getpwuid_hit 2)")"
printf '%-40s %7sx   ~1x\n' "getgrnam: iam miss / iam hit" "$(ratio "$(fig iam getgrnam_miss 2)" "$(fig iam getgrnam_hit 2)")"
printf '%-40s %7sx   <= 1x\n' "getpwent (whole pass): iam / files" "$(ratio "$(fig iam getpwent_all 2)" "$(fig files getpwent_all 2)")"
printf '%-40s %7sx\n' "initgroups: files / iam (speed-up)" "$(ratio "$(fig files initgroups 2)" "$(fig iam initgroups 2)")"

echo
echo "ldd $BUILD/libnss_iam.so.2:"
ldd "$BUILD/libnss_iam.so.2"
