#!/usr/bin/env bash
# Issue 8 findings 3, 4 and 8 with real getent/id/flock in a private mount
# namespace: the unprivileged service user that runs the sync cannot become root.
#   3: what the service user writes is only a candidate; `iam-login install` (root)
#      refuses uids/gids outside the configured ranges, local ids and names, and
#      local groups not named in merge_groups; libnss_iam ignores a snapshot that
#      root does not own, and ids below 65536 even in a root-owned one.
#   4: a local user cannot open (so cannot hold) the sync lock.
#   8: the snapshot is root's: its writer cannot truncate it under the readers' maps.
# And decision 13's three identities: the sync's user and the key command's user
# (iam-login-keys) cannot write what the other one (or root) trusts.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

for t in getent setpriv flock; do
	command -v $t >/dev/null || { skip "snapshot trust" "$t missing"; exit 0; }
done
MKSNAP=$BUILD/tests/tools/mksnap
for f in libnss_iam.so.2 iam-login tests/tools/mksnap; do
	[ -e "$BUILD/$f" ] || { not_ok "built: $BUILD/$f"; exit 1; }
done
sandbox_setup || { not_ok "sandbox_setup"; exit 1; }
sandbox_config "[directory]" "state_dir = $SB_STATE" "merge_groups = adm"
install -m 0755 "$MKSNAP" /usr/sbin/sb-mksnap
sandbox_local_user mallory 5001
ADM_GID=$(getent -s files group adm | cut -d: -f3)
NOW=$(date +%s)

# candidate DESC-LINES...: the service user writes its candidate with mksnap
candidate() {
	printf '%s\n' "account 123456789012" "created $NOW" "$@" |
		as_service /usr/sbin/sb-mksnap - "$SB_STATE/sync" >/dev/null
}
GOOD="user alice 200000001 200000001 Alice /home/alice /bin/sh alice AIDAALICE00000000001 arn:aws:iam::123456789012:user/alice"
install_out() { /usr/sbin/iam-login install 2>&1; }

check "the service user can write its candidate" candidate "$GOOD"
check_fails "the service user cannot write the installed snapshot (state dir is root's)" \
	as_service sh -c "echo x >$SB_STATE/directory"
OUT=$(install_out)
check_match "install: a valid candidate is installed" "^installed generation 1: 1 users" "$OUT"
check_eq "installed snapshot: root-owned 0644" "root root 644" "$(stat -c '%U %G %a' "$SB_STATE/directory")"
check_eq "getent answers from it" "alice:*:200000001:200000001:Alice:/home/alice:/bin/sh" "$(getent passwd alice)"

# ---- finding 3: what a compromised service user would propose ------------------------
refused() { # refused DESC EXPECTED-REASON DESC-LINES...
	local desc=$1 why=$2
	shift 2
	candidate "$@" || { not_ok "$desc: candidate written"; return; }
	# the generation must be above the installed one; mksnap counts from the candidate
	OUT=$(install_out)
	check_match "install refuses $desc (finding 3)" "refused: .*$why" "$OUT"
}
printf '%s\n' "account 123456789012" "created $NOW" "$GOOD" | as_service /usr/sbin/sb-mksnap - "$SB_STATE/sync" >/dev/null
refused "a user with uid 1777 (a local admin's uid range)" "uid 1777 outside" \
	"user evil 1777 1777 Evil /home/evil /bin/sh evil AIDAEVIL000000000001 arn:aws:iam::123456789012:user/evil"
refused "a group with gid 27 (sudo)" "gid 27 outside" \
	"group sudoers 27 evilgrp AGPAEVIL000000000001 arn:aws:iam::123456789012:group/evil" \
	"user evil 200000002 200000002 Evil /home/evil /bin/sh evil AIDAEVIL000000000001 arn:aws:iam::123456789012:user/evil sudoers"
refused "a user named like a local account" "name of a local account" \
	"user mallory 200000003 200000003 M /home/m /bin/sh mallory AIDAMAL0000000000001 arn:aws:iam::123456789012:user/mallory"
refused "a uid outside uid_min..uid_max" "outside uid_min..uid_max" \
	"user evil 70000 70000 Evil /home/evil /bin/sh evil AIDAEVIL000000000001 arn:aws:iam::123456789012:user/evil"
check_eq "after every refusal getent still answers from the installed snapshot" "200000001" "$(getent passwd alice | cut -d: -f3)"
check_eq "... and knows no 'evil'" "" "$(getent passwd evil)"
check_nomatch "... and id shows no local group for alice" "\(sudo\)|\(shadow\)|\(disk\)" "$(id alice 2>&1)"

# a merge into a local group needs merge_groups in root's config, and the local gid
printf '%s\n' "account 123456789012" "created $NOW" "$GOOD" | as_service /usr/sbin/sb-mksnap - "$SB_STATE/sync" >/dev/null
# mksnap cannot set the merged flag; a group with the local gid but no flag is refused
refused "a group carrying local gid of adm without the merge flag" "gid $ADM_GID" \
	"group adm $ADM_GID adm AGPAADM0000000000001 arn:aws:iam::123456789012:group/adm" \
	"user evil 200000002 200000002 Evil /home/evil /bin/sh evil AIDAEVIL000000000001 arn:aws:iam::123456789012:user/evil adm"

# ---- readers: ownership and the id floor (defence in depth) ----------------------------
cp -p "$SB_STATE/directory" "$SB/good.snap"
chown "$SB_SVC_UID" "$SB_STATE/directory"
check_eq "a snapshot owned by the service user is ignored by getent (findings 3, 8)" "" "$(getent passwd alice)"
check_fails "... and by iam-login user" /usr/sbin/iam-login user alice
cp -p "$SB/good.snap" "$SB_STATE/directory"
printf '%s\n' "account 123456789012" "created $NOW" "$GOOD" \
	"user evil 1777 1777 Evil /home/evil /bin/sh evil AIDAEVIL000000000001 arn:aws:iam::123456789012:user/evil" \
	"group sudoers 27 evilgrp AGPAEVIL000000000001 arn:aws:iam::123456789012:group/evil" |
	"$MKSNAP" - "$SB/floor" >/dev/null
install -m 0644 -o root -g root "$SB/floor/directory" "$SB_STATE/directory"
check_eq "root-owned snapshot with uid 1777: getent passwd evil finds nothing" "" "$(getent passwd evil)"
check_eq "... getent passwd 1777 finds nothing" "" "$(getent -s iam passwd 1777)"
check_eq "... getent group 27 from iam finds nothing" "" "$(getent -s iam group 27)"
check_eq "... while alice still resolves" "200000001" "$(getent passwd alice | cut -d: -f3)"
cp -p "$SB/good.snap" "$SB_STATE/directory"

# ---- finding 4: the sync lock ------------------------------------------------------------
as_local() { setpriv --reuid 5001 --regid 5001 --clear-groups "$@"; }
check_fails "a local user cannot open the sync lock (finding 4)" \
	as_local flock -n "$SB_STATE/sync/.sync.lock" true
check_fails "... nor plant one where the state dir is" as_local flock -n "$SB_STATE/.sync.lock" true
check_eq "the sync's directory is the service user's, 0700" "$SB_SVC_USER 700" "$(stat -c '%U %a' "$SB_STATE/sync")"

# ---- decision 13: three identities, none can write what another one trusts ---------------
install -m 0755 "$BUILD/iam-authorized-keys" /usr/sbin/iam-authorized-keys
check_fails "the key command's user cannot write a candidate" \
	as_keys sh -c "echo x >$SB_STATE/sync/directory"
check_fails "... nor read the sync's directory" as_keys ls "$SB_STATE/sync"
check_fails "... nor write the installed snapshot" as_keys sh -c "echo x >$SB_STATE/directory"
check_fails "the sync's user cannot plant a key cache entry" \
	as_service sh -c "echo x >$SB_CACHE/u_alice.keys"
check_fails "... nor list the key cache" as_service ls "$SB_CACHE"
OUT=$(as_service /usr/sbin/iam-authorized-keys alice 2>&1 >"$SB/keys.out")
check_eq "the key command run as the sync's user prints no key" "" "$(cat "$SB/keys.out")"
check_match "... and says the cache is not its own" "cache directory .* unusable" "$OUT"

[ "$TAP_FAILED" -eq 0 ]
