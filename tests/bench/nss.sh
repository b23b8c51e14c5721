#!/usr/bin/env bash
# NSS benchmark: a 5,000-user, 300-group directory served three ways in one run,
# each through glibc (getpwnam() etc. in tests/tools/nss_bench) inside a private
# mount namespace with its own nsswitch.conf:
#   iam    libnss_iam.so.2 answering from the snapshot (mksnap --generate 5000 300)
#   files  nss_files with the same users/groups bind-mounted over /etc/passwd, /etc/group
#   floor  libnss_floor: a trivial in-memory module (glibc's dispatch floor)
# Prints p50/p99 per operation and the ratios that issue 3 sets targets for.
# Figures, not pass/fail. ITERS / FILES_ITERS / PASSES / ROUNDS override the sample
# counts; CALLGRIND=0 skips the instruction counts.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
ITERS=${ITERS:-10000}
FILES_ITERS=${FILES_ITERS:-1000}
PASSES=${PASSES:-30}
ROUNDS=${ROUNDS:-3}
BENCH=$BUILD/tests/tools/nss_bench
for f in "$BENCH" "$BUILD/tests/tools/mksnap" "$BUILD/libnss_iam.so.2" "$BUILD/tests/tools/libnss_floor.so"; do
	[ -e "$f" ] || { echo "nss bench: missing $f (make tests-build)"; exit 1; }
done

T=$(mktemp -d -t nss_bench.XXXXXX)
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
echo "   samples per op and round: iam/floor $ITERS, files $FILES_ITERS; enumeration passes $PASSES;"
echo "   $ROUNDS rounds interleaved, figures are the median of the rounds' p50/p99"
echo "   snapshot: $(stat -c %s "$T/state/directory") bytes"
# ROUNDS rounds, the sources interleaved, so load from other processes on a
# shared machine hits all three alike; each figure is the median over rounds.
for r in $(seq "$ROUNDS"); do
	for src in iam floor files; do
		n=$ITERS
		[ "$src" = files ] && n=$FILES_ITERS
		run "$src" "$n" >"$T/out.$src.$r" || echo "!! $src run $r reported wrong answers"
	done
done
for src in iam floor files; do cp "$T/out.$src.1" "$T/out.$src"; done

# fig SOURCE OP COLUMN: median over rounds
fig() {
	cat "$T"/out."$1".[0-9]* | awk -v op="$2" -v col="$3" '$1 == op { print $col }' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
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

# Instructions per call (callgrind): repeatable where wall-clock time is noisy.
# Count N and 2N calls; the difference / N cancels process start-up and the
# snapshot mapping.
count() { # SOURCE OP N -> instructions
	unshare -m --propagation private sh -c '
		mount --bind "$1/nsswitch.$2" /etc/nsswitch.conf &&
		mount --bind "$1/state" /var/lib/iam-login &&
		if [ "$2" = files ]; then
			mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group
		fi &&
		LD_LIBRARY_PATH="$1/lib" exec valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			"$3" --count "$4" "$5"' sh "$T" "$1" "$BENCH" "$2" "$3" 2>&1 |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
if command -v valgrind >/dev/null 2>&1 && [ "${CALLGRIND:-1}" = 1 ]; then
	N=400
	echo
	printf '%-15s %12s %12s %12s   (instructions per call, callgrind)\n' op iam floor files
	for op in getpwnam_hit getpwnam_miss getpwuid_hit getgrnam_hit getgrnam_miss getpwent_all; do
		line=$(printf '%-15s' "$op")
		for src in iam floor files; do
			n=$N
			[ "$src" = files ] && n=10
			[ "$op" = getpwent_all ] && n=2 # per whole pass
			a=$(count "$src" "$op" "$n")
			b=$(count "$src" "$op" $((2 * n)))
			line="$line $(awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { if (a == "" || b == "") print "           -"; else printf "%12.0f", (b - a) / n }')"
		done
		echo "$line"
	done
fi

echo
echo "ldd $BUILD/libnss_iam.so.2:"
ldd "$BUILD/libnss_iam.so.2"
