#!/usr/bin/env bash
# Every committed fuzz input (tests/fuzz/corpus/TARGET/*) replayed once through
# its target's properties, with the ordinary compiler: a crash or a broken
# property fixed once cannot come back. `make fuzz` searches for new ones.
source "$(dirname "$0")/../lib/tap.sh"

shopt -s nullglob
for dir in "$TOP"/tests/fuzz/corpus/*/; do
	t=$(basename "$dir")
	bin=$BUILD/tests/fuzz/replay-$t
	files=("$dir"*)
	if [ ! -x "$bin" ]; then
		not_ok "replay-$t built" "$bin missing"
		continue
	fi
	out=$("$bin" "${files[@]}" 2>&1)
	check_eq "fuzz corpus $t: all ${#files[@]} inputs replayed, every property held" \
		"replayed ${#files[@]} inputs" "$(tail -1 <<<"$out")"
done
# Each target has a corpus, each corpus a target.
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	[ "$t" = file ] && continue
	check "fuzz target $t has a seed corpus" test -n "$(ls "$TOP/tests/fuzz/corpus/$t" 2>/dev/null)"
done
[ "$TAP_FAILED" -eq 0 ]
