# Scratch space for one test run, in the build folder, so that a run leaves
# nothing in /tmp (issue 9): every mktemp -t, the unit tests' tmp_template() and
# Python's tempfile follow TMPDIR. Service users must reach files in sandboxes
# made there, so every directory above it must be searchable by others; where
# one is not (a checkout under /root), a directory under /tmp is used and
# removed by scratch_end. Sourced by tests/run-all and scripts/demo.

# scratch_begin DIR: export TMPDIR=DIR/run.XXXXXX (this run's own), or a /tmp fallback.
scratch_begin() {
	local dir=$1 d
	SCRATCH_FALLBACK=
	d=$(dirname "$dir")
	while [ "$d" != / ]; do
		if [ -d "$d" ] && [ "$(($(stat -c %a "$d" | sed 's/^.*\(.\)$/\1/') & 1))" = 0 ]; then
			SCRATCH_FALLBACK=$d
			break
		fi
		d=$(dirname "$d")
	done
	if [ -n "$SCRATCH_FALLBACK" ]; then
		echo "note: $SCRATCH_FALLBACK is not searchable by other users; test scratch files go to /tmp for this run" >&2
		dir=$(mktemp -d /tmp/iam-login-run.XXXXXX) || return 1
	else
		# one directory per run: two runs at once must not remove each other's files
		mkdir -p "$dir" && chmod 0755 "$dir" && dir=$(mktemp -d "$dir/run.XXXXXX") || return 1
	fi
	chmod 1777 "$dir"
	TMPDIR=$dir
	export TMPDIR
}

# scratch_end: remove the run's scratch directory (sandboxes are gone by now:
# their mounts lived in namespaces that ended with their tests).
scratch_end() {
	[ -n "${TMPDIR:-}" ] && [ -d "$TMPDIR" ] && rm -rf "$TMPDIR"
	# the build's tmp/, when no other run uses it
	[ -z "${SCRATCH_FALLBACK:-}" ] && rmdir "$(dirname "$TMPDIR")" 2>/dev/null
	return 0
}
