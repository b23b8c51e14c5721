# TAP helpers for shell tests. Source it; each check prints one TAP line.
# tests/run-all totals "ok" / "not ok" / "# SKIP" lines from every test.
TAP_FAILED=0
ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	TAP_FAILED=$((TAP_FAILED + 1))
	return 0
}
skip() { echo "ok - $1 # SKIP $2"; }
# check DESC CMD...: ok when CMD exits 0
check() {
	local desc=$1
	shift
	local out
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "command: $*" "${out:0:2000}"; fi
}
# check_fails DESC CMD...: ok when CMD exits non-zero
check_fails() {
	local desc=$1
	shift
	local out
	if out=$("$@" 2>&1); then not_ok "$desc" "expected failure from: $*" "${out:0:2000}"; else ok "$desc"; fi
}
# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}
# check_match DESC REGEX ACTUAL
check_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1" "expected to match: $2" "actual: ${3:0:2000}"; fi
}
# check_nomatch DESC REGEX ACTUAL
check_nomatch() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then not_ok "$1" "must not match: $2" "actual: ${3:0:2000}"; else ok "$1"; fi
}
# A free TCP port on loopback.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
export TOP BUILD
