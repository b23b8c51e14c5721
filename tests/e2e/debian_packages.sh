#!/usr/bin/env bash
# The Debian packages, built from this tree and installed the way an operator
# would, in a throwaway Debian root (debootstrap from the archive this machine
# uses, base tarball cached in the build folder), never on this machine:
#   - dpkg-buildpackage builds libnss-iam, libpam-iam, iam-login; lintian: no
#     error, no warning;
#   - install of a previous build, upgrade to this one and a second install
#     change nothing (a digest of every file, user and directory they touch);
#   - as installed: sync against moto as the service user the package made,
#     getent, a real sshd (the package's drop-ins, Debian's PAM stacks with the
#     package's pam-auth-update profile) takes alice's IAM key and TOTP code,
#     sudo for an admins member, refused for a non-member;
#   - a local account keeps logging in with its key and sudo with its password
#     when the config is gone and IAM unreachable;
#   - remove takes nsswitch, PAM, sshd and sudoers back to what they were; purge
#     leaves them byte-identical to before, the users and directories gone;
#   - with EC2 Instance Connect installed (its Debian/Ubuntu layout, a test
#     double of its command): chained, its key logs a local account in through
#     ssh.service's command line as systemd would run it, IAM keys still work;
#     remove gives EIC its own command back, purge leaves every file as before.
# Prints the packages a host pulls in at run time ("# footprint").
# Environment: MIRROR (default: the machine's own Debian archive), SUITE (bookworm),
# KEEP_ROOT=1 keeps the root in $BUILD/debian-packages/root for a look.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/moto.sh"

need() { skip "Debian packages" "$1"; exit 0; }
[ "$(id -u)" = 0 ] || need "needs root (debootstrap, chroot, mounts)"
for t in dpkg-buildpackage dh lintian debootstrap oathtool ssh ssh-keygen setsid unshare systemd-analyze; do
	command -v $t >/dev/null || need "$t missing (make deps installs it)"
done
moto_available || need "moto_server or aws CLI missing"
if [ -z "${IN_DEB_NS:-}" ]; then
	exec env IN_DEB_NS=1 unshare -m --propagation private bash "$0" "$@"
fi

# The archive this machine already uses (first Debian URI of its apt sources).
default_mirror() {
	local m
	m=$(grep -hEo '(deb|URIs:)[[:space:]]+https?://[^[:space:]]+/debian/?([[:space:]]|$)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '{print $2}' | head -1)
	echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=${MIRROR:-$(default_mirror)}
SUITE=${SUITE:-bookworm}
WORK=$BUILD/debian-packages
ROOT=$WORK/root
TARBALL=$BUILD/fresh-debian/$SUITE-minbase.tgz # shared with tests/fresh-debian/run
DEBS=$BUILD/deb
SSHD_PID=

cleanup() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	moto_stop
	# mounts go with this namespace; unmount first so rm never reaches through one
	umount -R "$ROOT" 2>/dev/null
	if [ -z "${KEEP_ROOT:-}" ] && ! findmnt -R "$ROOT" >/dev/null 2>&1; then rm -rf "$ROOT"; fi
}
trap cleanup EXIT

# ---- build and lint ------------------------------------------------------------
if ! OUT=$(DEB_BUILD_OPTIONS=nocheck bash "$TOP/scripts/build-deb" 2>&1); then
	not_ok "make deb builds the packages" "$OUT"
	exit 1
fi
for p in libnss-iam libpam-iam iam-login; do
	check "built $p" test -f "$DEBS/${p}_$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)_$(dpkg --print-architecture).deb"
done
LINT=$(cd "$DEBS" && lintian --pedantic ./*.changes 2>&1)
check_eq "lintian: no errors" "" "$(grep -E '^E:' <<<"$LINT")"
check_eq "lintian: no warnings" "" "$(grep -E '^W:' <<<"$LINT")"
printf '# lintian: %s\n' "$(grep -cE '^[IP]:' <<<"$LINT") info/pedantic tags" $(grep -E '^[IP]:' <<<"$LINT" | sed 's/ /_/g')
check_eq "no package depends on a build or test package" "" \
	"$(for d in "$DEBS"/*.deb; do dpkg-deb -f "$d" Depends; done | tr ',|' '\n\n' | grep -E -- '-dev|cmocka|moto|debhelper|wrapper' || true)"
check_eq "libnss-iam links libc only" "libc6 (>= 2.33)" "$(dpkg-deb -f "$DEBS"/libnss-iam_*_*.deb Depends)"

# A "previous build": the same packages at a lower version, so the upgrade path
# (maintainer scripts called with the old version) runs.
VER=$(dpkg-deb -f "$DEBS"/iam-login_*_*.deb Version)
PREV=$WORK/prev
rm -rf "$PREV" && mkdir -p "$PREV"
for d in "$DEBS"/libnss-iam_*.deb "$DEBS"/libpam-iam_*.deb "$DEBS"/iam-login_*.deb; do
	x=$PREV/x && rm -rf "$x" && dpkg-deb -R "$d" "$x" &&
		sed -i "s/^Version: .*/Version: $VER~prev/; s/(= $VER)/(= $VER~prev)/g" "$x/DEBIAN/control" &&
		# the previous build shipped another sudoers drop-in: the upgrade must
		# replace the untouched installed copy (and nothing else)
		if [ -f "$x/usr/share/iam-login/sudoers.d/iam-login" ]; then
			echo "# previous build" >>"$x/usr/share/iam-login/sudoers.d/iam-login" &&
				sed -i '/sudoers.d\/iam-login$/d' "$x/DEBIAN/md5sums"
		fi &&
		dpkg-deb -b -Zxz "$x" "$PREV/" >/dev/null || { not_ok "repack $d as $VER~prev"; exit 1; }
	rm -rf "$x"
done

# ---- the throwaway root --------------------------------------------------------------
mkdir -p "$WORK" "$(dirname "$TARBALL")"
umount -R "$ROOT" 2>/dev/null
findmnt -R "$ROOT" >/dev/null 2>&1 && { not_ok "an old root is still mounted at $ROOT"; exit 1; }
rm -rf "$ROOT"
if [ ! -f "$TARBALL" ]; then
	if ! debootstrap --variant=minbase --make-tarball="$TARBALL.tmp" "$SUITE" "$WORK/tarball-tmp" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
		rm -rf "$WORK/tarball-tmp" "$TARBALL.tmp"
		if ! curl -sf -o /dev/null --max-time 10 "$MIRROR/dists/$SUITE/Release"; then
			need "the Debian archive $MIRROR is not reachable (debootstrap needs it)"
		fi
		not_ok "debootstrap --make-tarball" "$(tail -5 "$WORK/debootstrap.log")"
		exit 1
	fi
	mv "$TARBALL.tmp" "$TARBALL"
	rm -rf "$WORK/tarball-tmp"
fi
debootstrap --variant=minbase --unpack-tarball="$TARBALL" "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
	{ not_ok "debootstrap from the cached tarball" "$(tail -5 "$WORK/debootstrap.log")"; exit 1; }
mount --bind "$ROOT" "$ROOT"
mount -t proc proc "$ROOT/proc"
# a /dev of its own: no bind of the machine's, so nothing can reach through it
mount -t tmpfs -o mode=0755,nosuid tmpfs "$ROOT/dev"
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r name maj min <<<"$n"
	mknod -m 0666 "$ROOT/dev/$name" c "$maj" "$min"
done
mkdir -p "$ROOT/dev/pts" && mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$ROOT/dev/pts"
ln -s pts/ptmx "$ROOT/dev/ptmx"
mount -t tmpfs -o mode=1777 tmpfs "$ROOT/tmp"
mount -t tmpfs -o mode=0755 tmpfs "$ROOT/run"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# as on a real host, its own name resolves (sudo looks it up)
printf '127.0.1.1\t%s\n' "$(hostname)" >>"$ROOT/etc/hosts"
# no service starts on its own here (openssh-server's would bind this machine's port 22)
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d" && chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
in_root() {
	chroot "$ROOT" env -i HOME=/root TERM=dumb LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash -c "$1"
}
packages() { in_root "dpkg-query -W -f='\${Package}\n'" | sort; }
apt_in_root() { in_root "apt-get -y -q -o Dpkg::Use-Pty=0 $1" >>"$WORK/apt.log" 2>&1; }

: >"$WORK/apt.log"
# what a cloud image has before iam-login: sshd, the ssh client, sudo
apt_in_root "update" && apt_in_root "install --no-install-recommends openssh-server openssh-client sudo" ||
	{ not_ok "apt-get install openssh-server sudo in the root" "$(tail -5 "$WORK/apt.log")"; exit 1; }
mkdir -p "$ROOT/root/debs/prev" "$ROOT/root/debs/cur"
cp "$PREV"/*.deb "$ROOT/root/debs/prev/"
cp "$DEBS"/libnss-iam_*.deb "$DEBS"/libpam-iam_*.deb "$DEBS"/iam-login_*.deb "$ROOT/root/debs/cur/"

# Everything the packages may touch: files (mode, owner, content), their users,
# groups and directories, the enabled units.
digest() {
	in_root '
	for f in /etc/nsswitch.conf $(find /etc/pam.d /etc/ssh/sshd_config.d /etc/sudoers.d /etc/iam-login \
		/usr/share/pam-configs /etc/systemd/system/ssh.service.d /usr/lib/systemd/system/ssh.service.d \
		-type f 2>/dev/null | sort); do
		printf "%s %s %s\n" "$(stat -c "%a %U:%G" "$f")" "$(sha256sum <"$f" | cut -c1-16)" "$f"
	done
	grep -E "^iam-login" /etc/passwd /etc/group /etc/shadow /etc/gshadow
	for d in /var/lib/iam-login /var/lib/iam-login/sync /var/lib/iam-login/dpkg /var/lib/iam-login-keys \
		/var/cache/iam-login /var/cache/iam-login/keys /etc/iam-login /etc/iam-login/iam-login.conf.d \
		/etc/systemd/system/ssh.service.d; do
		[ -e "$d" ] && stat -c "%n %a %U:%G" "$d"
	done
	find /etc/systemd/system -name "iam-login*" 2>/dev/null | sort
	true'
}
# check_same DESC EXPECTED ACTUAL: like check_eq, showing only what differs
check_same() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "$(diff <(echo "$2") <(echo "$3") | grep '^[<>]')"; fi
}
BASE=$(digest)
BASE_PKGS=$(packages)
cp "$ROOT/etc/nsswitch.conf" "$WORK/nsswitch.base"

# ---- install, upgrade, install again ------------------------------------------------
check "apt-get install the previous build" apt_in_root "install ./root/debs/prev/libnss-iam_*.deb ./root/debs/prev/libpam-iam_*.deb ./root/debs/prev/iam-login_*.deb"
D_PREV=$(digest)
FOOT=$(comm -13 <(echo "$BASE_PKGS") <(packages))
echo "# footprint: a host with sshd and sudo pulls in $(grep -c . <<<"$FOOT") packages: $(echo $FOOT)"
check "upgrade to this build" apt_in_root "install ./root/debs/cur/libnss-iam_*.deb ./root/debs/cur/libpam-iam_*.deb ./root/debs/cur/iam-login_*.deb"
check_eq "this build is installed" "$VER $VER $VER" "$(in_root "dpkg-query -W -f='\${Version} ' libnss-iam libpam-iam iam-login" | sed 's/ $//')"
D_CUR=$(digest)
nosudo() { grep -v ' /etc/sudoers.d/iam-login$' <<<"$1"; }
check_same "the upgrade changed nothing else the previous build had set up" "$(nosudo "$D_PREV")" "$(nosudo "$D_CUR")"
check "the upgrade replaced the untouched drop-in of the previous build" \
	cmp "$ROOT/etc/sudoers.d/iam-login" "$ROOT/usr/share/iam-login/sudoers.d/iam-login"
check "installing again (apt-get install --reinstall)" apt_in_root "install --reinstall ./root/debs/cur/libnss-iam_*.deb ./root/debs/cur/libpam-iam_*.deb ./root/debs/cur/iam-login_*.deb"
check_same "the second install changed nothing" "$D_CUR" "$(digest)"

# ---- what the install set up ---------------------------------------------------------
NSS=$(cat "$ROOT/etc/nsswitch.conf")
check_match "nsswitch: passwd files iam" "^passwd:[[:space:]]+files iam$" "$(grep '^passwd:' <<<"$NSS")"
check_match "nsswitch: group files iam" "^group:[[:space:]]+files iam$" "$(grep '^group:' <<<"$NSS")"
check_eq "nsswitch: every other line as before" "$(grep -Ev '^(passwd|group):' "$WORK/nsswitch.base")" \
	"$(grep -Ev '^(passwd|group):' <<<"$NSS")"
check_match "service users: system accounts without a shell" \
	"^iam-login:x:[0-9]{1,3}:[0-9]+:[^:]*:/var/lib/iam-login:/usr/sbin/nologin iam-login-keys:x:[0-9]{1,3}:[0-9]+:[^:]*:/var/lib/iam-login-keys:/usr/sbin/nologin$" \
	"$(grep -E '^iam-login' "$ROOT/etc/passwd" | tr '\n' ' ' | sed 's/ $//')"
check_eq "directories with the owners and modes the code checks" \
	"/var/lib/iam-login 755 root:root
/var/lib/iam-login/sync 700 iam-login:iam-login
/var/lib/iam-login-keys 700 iam-login-keys:iam-login-keys
/var/cache/iam-login 755 root:root
/var/cache/iam-login/keys 700 iam-login-keys:iam-login-keys
/etc/iam-login 755 root:root" \
	"$(in_root 'stat -c "%n %a %U:%G" /var/lib/iam-login /var/lib/iam-login/sync /var/lib/iam-login-keys /var/cache/iam-login /var/cache/iam-login/keys /etc/iam-login')"
check_eq "sshd drop-ins installed, the packaged files" "" \
	"$(for f in iam-login.conf iam-login-mfa.conf; do cmp "$ROOT/etc/ssh/sshd_config.d/$f" "$ROOT/usr/share/iam-login/sshd_config.d/$f" 2>&1; done)"
check "sshd -t accepts the result" in_root "sshd -t"
check_eq "sudoers drop-in 0440 root" "440 root:root" "$(stat -c '%a %U:%G' "$ROOT/etc/sudoers.d/iam-login" 2>&1)"
check "visudo -c accepts the result" in_root "visudo -c -q"
check "iam-login-sync.timer enabled" test -L "$ROOT/etc/systemd/system/timers.target.wants/iam-login-sync.timer"
check_eq "the service is never enabled on its own (only the timer starts it)" "" \
	"$(find "$ROOT/etc/systemd/system" -name iam-login-sync.service)"
check_match "pam-auth-update: pam_iam inside pam_faillock in common-auth" \
	"pam_faillock.so preauth.*pam_iam.so.*pam_faillock.so authfail.*pam_unix.so" "$(tr '\n' ' ' <"$ROOT/etc/pam.d/common-auth")"
check_match "pam-auth-update: pam_iam in common-account" "pam_iam.so" "$(cat "$ROOT/etc/pam.d/common-account")"
check "the config is a conffile" in_root "dpkg-query -W -f='\${Conffiles}' iam-login | grep -q '/etc/iam-login/iam-login.conf'"

# ---- first run: before any config or sync -------------------------------------------
OUT=$(in_root "iam-login doctor --offline" 2>&1)
check_match "doctor without a snapshot names it and the command to run" \
	"FAIL +snapshot /var/lib/iam-login/directory: .*run 'iam-login sync' as root" "$OUT"
check_nomatch "doctor: nsswitch, sshd drop-in and sudoers are fine as installed" "WARN +(nsswitch|no sshd drop-in)|FAIL +.*sudoers" "$OUT"

# ---- a local account, and the host's IAM users ---------------------------------------
moto_start || { not_ok "moto_start"; exit 1; }
SB=$WORK/client && rm -rf "$SB" && mkdir -p "$SB"
key() { ssh-keygen -q -t ed25519 -N '' -C "$1@test" -f "$SB/$1" </dev/null && echo "$SB/$1"; }
declare -A KEY
aws_admin iam create-group --group-name admins >/dev/null
aws_admin iam create-group --group-name devs >/dev/null
for u in alice carl bob; do
	aws_admin iam create-user --user-name $u >/dev/null
	KEY[$u]=$(key $u)
	aws_admin iam upload-ssh-public-key --user-name $u --ssh-public-key-body "$(cat "${KEY[$u]}.pub")" >/dev/null
	aws_admin iam add-user-to-group --group-name devs --user-name $u
done
for u in alice carl; do aws_admin iam add-user-to-group --group-name admins --user-name $u; done
KEY[localadm]=$(key localadm)
in_root "useradd -m -s /bin/bash -G sudo localadm && echo localadm:local-pw | chpasswd &&
	install -d -m 0700 -o localadm -g localadm /home/localadm/.ssh" &&
	install -m 0600 "${KEY[localadm]}.pub" "$ROOT/home/localadm/.ssh/authorized_keys" &&
	in_root "chown localadm: /home/localadm/.ssh/authorized_keys" || not_ok "local account localadm"

# The operator's part: the config, and credentials for both service users (on
# EC2 the instance role needs neither).
cp "$ROOT/etc/iam-login/iam-login.conf" "$WORK/packaged.conf"
moto_config "$ROOT/etc/iam-login/iam-login.conf" \
	"[directory]" "visible_groups = devs" "[pam]" "service.sudo = admins" "max_snapshot_age = 3600"
for u in iam-login iam-login-keys; do
	home=$(in_root "getent passwd $u | cut -d: -f6")
	install -d -m 0700 "$ROOT$home/.aws" &&
		printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$HOST_AK" "$HOST_SK" >"$ROOT$home/.aws/credentials" &&
		chmod 0600 "$ROOT$home/.aws/credentials" && in_root "chown -R $u: $home/.aws" || not_ok "credentials for $u"
done

OUT=$(in_root "iam-login sync" 2>&1)
check_match "iam-login sync (fetch as the package's iam-login user, install as root)" "^synced 3 users, 2 groups" "$OUT"
check_eq "the candidate was written by iam-login, the snapshot is root's" "root 644" "$(stat -c '%U %a' "$ROOT/var/lib/iam-login/directory" 2>&1)"
check_match "getent passwd alice answers through libnss_iam" "^alice:[x*]:[0-9]{9}:[0-9]{9}:" "$(in_root 'getent passwd alice')"
check_match "id alice: iam-admins and iam-users" "iam-admins.*iam-users|iam-users.*iam-admins" "$(in_root 'id alice')"
declare -A SECRET
for u in alice carl bob; do
	SECRET[$u]=$(in_root "iam-login mfa enroll $u --no-confirm" 2>/dev/null | sed -n 's/^otpauth:.*[?&]secret=\([A-Z2-7]*\).*/\1/p')
	[ -n "${SECRET[$u]}" ] || not_ok "enroll $u"
done

# ---- the root's own sshd, as installed (its drop-ins, Debian's PAM stack) ------------
SSHD_PORT=$(free_port)
mkdir -p "$ROOT/run/sshd" && chmod 0755 "$ROOT/run/sshd"
chroot "$ROOT" /usr/sbin/sshd -D -e -p "$SSHD_PORT" -o ListenAddress=127.0.0.1 -o PidFile=none \
	>"$WORK/sshd.log" 2>&1 &
SSHD_PID=$!
for i in $(seq 1 100); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $SSHD_PORT), 1)" 2>/dev/null && break
	sleep 0.05
done
cat >"$SB/askpass" <<EOF
#!/bin/sh
printf '%s\n' "\$1" >>"$SB/prompts"
cat "$SB/code"
EOF
chmod 0755 "$SB/askpass"
ssh_to() { # ssh_to USER ANSWER COMMAND...
	local user=$1
	printf '%s\n' "$2" >"$SB/code"
	shift 2
	: >"$SB/prompts"
	SSH_ASKPASS="$SB/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none setsid -w \
		ssh -F /dev/null -i "${KEY[$user]}" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 \
		-o PreferredAuthentications=publickey,keyboard-interactive \
		-o NumberOfPasswordPrompts=1 -p "$SSHD_PORT" "$user@127.0.0.1" "$@" </dev/null
}
code() { oathtool --totp -b "${SECRET[$1]}" -N "@$(($(date +%s) + ${2:-0}))"; }
wait_step() { local s=$(($(date +%s) % 30)); [ $s -ge 22 ] && sleep $((31 - s)); return 0; }
uid_of() { in_root "getent passwd $1 | cut -d: -f3"; }
as_user() { # as_user USER STDIN COMMAND: login-like (uid, gid, groups via NSS)
	printf '%s\n' "$2" | chroot "$ROOT" setpriv --reuid "$(uid_of "$1")" --regid "$(in_root "getent passwd $1 | cut -d: -f4")" \
		--init-groups env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME=/ USER="$1" LOGNAME="$1" bash -c "$3"
}

wait_step
OUT=$(ssh_to alice "$(code alice)" id -u 2>"$SB/ssh.err")
check_eq "ssh: alice's IAM key and TOTP code log her in" "$(uid_of alice)" "$OUT"
check_match "ssh: the code was asked for after the key" "Verification code" "$(cat "$SB/prompts")"
OUT=$(ssh_to alice 000000 id -u 2>&1)
check_nomatch "ssh: alice's key with a wrong code is refused" "^$(uid_of alice)$" "$OUT"
install -m 0600 "${KEY[alice]}.pub" "$ROOT/tmp/planted" && in_root "mkdir -p /home/bob/.ssh && cp /tmp/planted /home/bob/.ssh/authorized_keys && chown -R $(uid_of bob) /home/bob"
KEY[bob_planted]=${KEY[bob]} KEY[bob]=${KEY[alice]}
OUT=$(ssh_to bob "$(code bob)" id -u 2>&1)
check_nomatch "ssh: a key planted in an IAM user's authorized_keys is ignored" "^$(uid_of bob)$" "$OUT"
KEY[bob]=${KEY[bob_planted]}
OUT=$(ssh_to localadm "" id -un 2>&1)
check_eq "ssh: the local account logs in with its key alone" "localadm" "$OUT"
check_eq "ssh: ... and is never asked for a code" "" "$(cat "$SB/prompts")"

wait_step
OUT=$(as_user carl "$(code carl)" "sudo -S id -u" 2>"$SB/sudo.err")
check_eq "sudo: carl (IAM group admins) after a TOTP code -> 0" "0" "$OUT"
OUT=$(as_user bob "$(code bob)" "sudo -S id -u" 2>"$SB/sudo.err")
check_eq "sudo: bob (devs only) is refused even with a right code" "" "$OUT"
check_match "sudo: bob is told why" "bob may not use sudo on this host \(IAM group admins\)" "$(cat "$SB/sudo.err")"
OUT=$(as_user localadm local-pw "sudo -S -p '' id -u" 2>"$SB/sudo.err")
check_eq "sudo: the local account with its password -> 0" "0" "$OUT"

# IAM unreachable and the config gone: local accounts keep working.
moto_stop
mv "$ROOT/etc/iam-login/iam-login.conf" "$WORK/operator.conf"
OUT=$(ssh_to localadm "" id -un 2>&1)
check_eq "no config, IAM down: the local account still logs in with its key" "localadm" "$OUT"
OUT=$(as_user localadm local-pw "sudo -k; sudo -S -p '' id -u" 2>"$SB/sudo.err")
check_eq "no config, IAM down: local sudo with the password still works" "0" "$OUT"
OUT=$(in_root "iam-login doctor --offline" 2>&1)
check_match "doctor without a config says which file is missing and where the packaged one is" "FAIL +config /etc/iam-login/iam-login.conf is missing: .*examples/iam-login.conf" "$OUT"
check_match "... and still checks the rest" "ok +nsswitch.conf" "$OUT"
mv "$WORK/operator.conf" "$ROOT/etc/iam-login/iam-login.conf"
kill "$SSHD_PID" 2>/dev/null
wait "$SSHD_PID" 2>/dev/null
SSHD_PID=

# ---- remove, then purge ------------------------------------------------------------------
sel() { grep -E "^[0-9]+ [^ ]+ [0-9a-f]+ /etc/(nsswitch.conf|pam.d/|ssh/sshd_config.d/|sudoers.d/)" <<<"$1"; }
check "apt-get remove the three packages" apt_in_root "remove libnss-iam libpam-iam iam-login"
AFTER=$(digest)
check_same "after remove: nsswitch, PAM, sshd and sudoers as before" "$(sel "$BASE")" "$(sel "$AFTER")"
check "after remove: the operator's config is kept" test -f "$ROOT/etc/iam-login/iam-login.conf"
check "apt-get purge" apt_in_root "purge libnss-iam libpam-iam iam-login"
AFTER=$(digest)
check_eq "after purge: /etc/nsswitch.conf byte-identical" "$(sha256sum <"$WORK/nsswitch.base" 2>/dev/null)" "$(sha256sum <"$ROOT/etc/nsswitch.conf")"
check_same "after purge: every file, user, directory and unit as before the install" "$BASE" "$AFTER"
[ -e "$ROOT/etc/iam-login" ] && find "$ROOT/etc/iam-login" | sed 's/^/# left: /'
check_eq "after purge: no iam-login user or group" "" "$(grep -E '^iam-login' "$ROOT/etc/passwd" "$ROOT/etc/group")"
check_eq "after purge: no state, cache or config directory" "" \
	"$(ls -d "$ROOT/var/lib/iam-login" "$ROOT/var/lib/iam-login-keys" "$ROOT/var/cache/iam-login" "$ROOT/etc/iam-login" 2>/dev/null)"
check_eq "after purge: no package left in dpkg's database" "" "$(in_root "dpkg-query -W -f='\${Package} \${Status}\n' libnss-iam libpam-iam iam-login 2>/dev/null")"

# ---- the operator's changes survive; a conflicting key command is never shadowed ----------
CUR_DEBS="./root/debs/cur/libnss-iam_*.deb ./root/debs/cur/libpam-iam_*.deb ./root/debs/cur/iam-login_*.deb"
apt_in_root "install $CUR_DEBS" || not_ok "install again after purge"
echo "# edited" >>"$ROOT/etc/sudoers.d/iam-login"
rm "$ROOT/etc/ssh/sshd_config.d/iam-login-mfa.conf"
EDITED=$(cat "$ROOT/etc/sudoers.d/iam-login")
check "reinstall with an edited and a deleted drop-in" apt_in_root "install --reinstall $CUR_DEBS"
check_eq "an edited drop-in is kept as the operator left it" "$EDITED" "$(cat "$ROOT/etc/sudoers.d/iam-login")"
check "a deleted drop-in is not brought back" test ! -e "$ROOT/etc/ssh/sshd_config.d/iam-login-mfa.conf"
check "remove" apt_in_root "remove iam-login"
check "remove: the untouched sshd drop-in goes with the programs it names" test ! -e "$ROOT/etc/ssh/sshd_config.d/iam-login.conf"
check_eq "remove: the edited sudoers drop-in stays until purge" "$EDITED" "$(cat "$ROOT/etc/sudoers.d/iam-login")"
check "purge" apt_in_root "purge libnss-iam libpam-iam iam-login"
check_same "purge after edits: as before the install" "$BASE" "$(digest)"

# EC2 Instance Connect style: another AuthorizedKeysCommand already configured.
printf 'AuthorizedKeysCommand /usr/bin/other-keys %%u %%f\nAuthorizedKeysCommandUser nobody\n' \
	>"$ROOT/etc/ssh/sshd_config.d/50-other.conf"
OTHER=$(digest)
: >"$WORK/apt.log"
check "install beside another AuthorizedKeysCommand" apt_in_root "install $CUR_DEBS"
check_eq "no iam-login sshd drop-in shadows the other command" "" "$(ls "$ROOT/etc/ssh/sshd_config.d/" | grep iam-login)"
check_match "the operator is told why and what to do" \
	"sshd already runs an AuthorizedKeysCommand \(/etc/ssh/sshd_config.d/50-other.conf\).*NOT installed.*\[keys\] chain" \
	"$(tr '\n' ' ' <"$WORK/apt.log")"
check "purge" apt_in_root "purge libnss-iam libpam-iam iam-login"
check_same "purge: as before" "$OTHER" "$(digest)"

# ---- EC2 Instance Connect installed: detected and chained -------------------------------
# EIC's Debian/Ubuntu layout (aws-ec2-instance-connect-config, src/deb_systemd and
# debian/postinst; Ubuntu's package): a system user, the command under
# /usr/share/ec2-instance-connect, and a vendor drop-in of ssh.service that starts
# sshd with -o options (they beat every sshd config file). The fake command
# prints the key "pushed" for the local account admin, as IMDS would serve it.
rm -f "$ROOT/etc/ssh/sshd_config.d/50-other.conf"
KEY[admin]=$(key admin)
in_root "adduser --system --disabled-login --shell /usr/sbin/nologin --no-create-home --home /nonexistent --quiet ec2-instance-connect &&
	useradd -m -s /bin/bash admin" || not_ok "EIC's user, a local admin"
install -d -m 0755 "$ROOT/usr/share/ec2-instance-connect" "$ROOT/usr/lib/systemd/system/ssh.service.d"
install -m 0644 "${KEY[admin]}.pub" "$ROOT/usr/share/ec2-instance-connect/pushed.pub"
cat >"$ROOT/usr/share/ec2-instance-connect/eic_run_authorized_keys" <<'EOF'
#!/bin/sh
# test double of EC2 Instance Connect's command: who ran it, with what; the
# key pushed for admin
echo "$(id -un) $*" >>/tmp/eic.calls
[ "$1" = admin ] && cat /usr/share/ec2-instance-connect/pushed.pub
exit 0
EOF
chmod 0755 "$ROOT/usr/share/ec2-instance-connect/eic_run_authorized_keys"
cat >"$ROOT/usr/lib/systemd/system/ssh.service.d/ec2-instance-connect.conf" <<'EOF'
[Service]
ExecStart=
ExecStart=/usr/sbin/sshd -D -o "AuthorizedKeysCommand /usr/share/ec2-instance-connect/eic_run_authorized_keys %%u %%f" -o "AuthorizedKeysCommandUser ec2-instance-connect" $SSHD_OPTS
EOF
install -m 0666 /dev/null "$ROOT/tmp/eic.calls"
# ssh.service's command line as systemd would run it: the unit and its drop-ins
# in systemd's own order (systemd-analyze, same name in /etc wins), the last
# ExecStart after the last reset, %% unescaped, no $SSHD_OPTS (none here).
unit_sshd() {
	systemd-analyze --root="$ROOT" cat-config systemd/system/ssh.service 2>/dev/null | python3 -c '
import shlex, sys
cmd = ""
for line in sys.stdin:
    line = line.strip()
    if line.startswith("ExecStart="):
        cmd = line[len("ExecStart="):]
print("\n".join(a.replace("%%", "%") for a in shlex.split(cmd.replace("$SSHD_OPTS", ""))))'
}
start_unit_sshd() {
	local argv
	mapfile -t argv < <(unit_sshd)
	SSHD_PORT=$(free_port)
	chroot "$ROOT" "${argv[@]}" -e -p "$SSHD_PORT" -o ListenAddress=127.0.0.1 -o PidFile=none \
		>"$WORK/sshd.log" 2>&1 &
	SSHD_PID=$!
	for i in $(seq 1 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $SSHD_PORT), 1)" 2>/dev/null && break
		sleep 0.05
	done
}
stop_sshd() { kill "$SSHD_PID" 2>/dev/null; wait "$SSHD_PID" 2>/dev/null; SSHD_PID=; }
check_match "EIC: ssh.service starts sshd with EIC's command" \
	"AuthorizedKeysCommand /usr/share/ec2-instance-connect/eic_run_authorized_keys %u %f" "$(unit_sshd)"
start_unit_sshd
check_eq "EIC, before iam-login: the pushed key logs admin in" "admin" "$(ssh_to admin "" id -un 2>&1)"
stop_sshd
EIC_BASE=$(digest)

: >"$WORK/apt.log"
check "install with EC2 Instance Connect present" apt_in_root "install $CUR_DEBS"
check_match "apt says EIC is chained and why sshd restarts" \
	"EC2 Instance Connect \(/usr/lib/systemd/system/ssh.service.d/ec2-instance-connect.conf\) is chained" \
	"$(tr '\n' ' ' <"$WORK/apt.log")"
check_eq "EIC: [keys] chain in a drop-in of the config, the conffile untouched" \
	"chain = /usr/share/ec2-instance-connect/eic_run_authorized_keys %u %f|$(in_root "dpkg-query -W -f='\${Conffiles}' iam-login" | awk '$1 == "/etc/iam-login/iam-login.conf" {print $2}')" \
	"$(grep -v '^#' "$ROOT/etc/iam-login/iam-login.conf.d/50-ec2-instance-connect.conf" | grep chain)|$(md5sum <"$ROOT/etc/iam-login/iam-login.conf" | cut -d' ' -f1)"
check_eq "EIC: its vendor drop-in is masked by one of the same name in /etc, no setting in it" "" \
	"$(grep -v '^#' "$ROOT/etc/systemd/system/ssh.service.d/ec2-instance-connect.conf" 2>&1)"
check_nomatch "EIC: ssh.service no longer passes an AuthorizedKeysCommand to sshd" "AuthorizedKeysCommand" "$(unit_sshd)"
check "EIC: sshd -t accepts the result" in_root "sshd -t"
D_EIC=$(digest)
check "EIC: installing again" apt_in_root "install --reinstall $CUR_DEBS"
check_same "EIC: the second install changed nothing" "$D_EIC" "$(digest)"

# IAM users as before, EIC's pushed key for a local account: both, one sshd
moto_start || { not_ok "moto_start"; exit 1; }
aws_admin iam create-group --group-name devs >/dev/null
aws_admin iam create-user --user-name alice >/dev/null
aws_admin iam add-user-to-group --group-name devs --user-name alice
aws_admin iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "${KEY[alice]}.pub")" >/dev/null
moto_config "$ROOT/etc/iam-login/iam-login.conf" "[directory]" "visible_groups = devs" "[pam]" "max_snapshot_age = 3600"
for u in iam-login iam-login-keys; do
	home=$(in_root "getent passwd $u | cut -d: -f6")
	install -d -m 0700 "$ROOT$home/.aws" &&
		printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$HOST_AK" "$HOST_SK" >"$ROOT$home/.aws/credentials" &&
		chmod 0600 "$ROOT$home/.aws/credentials" && in_root "chown -R $u: $home/.aws" || not_ok "credentials for $u"
done
check_match "EIC: iam-login sync" "^synced 1 users, 1 groups" "$(in_root "iam-login sync" 2>&1)"
SECRET[alice]=$(in_root "iam-login mfa enroll alice --no-confirm" 2>/dev/null | sed -n 's/^otpauth:.*[?&]secret=\([A-Z2-7]*\).*/\1/p')
check_match "EIC: doctor sees the chain" "ok +EC2 Instance Connect is chained" "$(in_root "iam-login doctor --offline" 2>&1)"
start_unit_sshd
: >"$ROOT/tmp/eic.calls"
check_eq "EIC chained: the pushed key logs the local admin in" "admin" "$(ssh_to admin "" id -un 2>&1)"
check_match "EIC chained: EIC's command ran from iam-authorized-keys as iam-login-keys, with %u %f" \
	"^iam-login-keys admin SHA256:" "$(head -1 "$ROOT/tmp/eic.calls")"
wait_step
check_eq "EIC chained: alice's IAM key and TOTP code still log her in" "$(uid_of alice)" "$(ssh_to alice "$(code alice)" id -u 2>"$SB/ssh.err")"
check_match "EIC chained: ... and EIC was asked about alice too (for every user)" "^iam-login-keys alice " "$(grep alice "$ROOT/tmp/eic.calls" | head -1)"
stop_sshd
moto_stop

check "EIC: remove" apt_in_root "remove libnss-iam libpam-iam iam-login"
check_match "EIC, after remove: ssh.service runs EIC's command again" \
	"AuthorizedKeysCommand /usr/share/ec2-instance-connect/eic_run_authorized_keys %u %f" "$(unit_sshd)"
check_eq "EIC, after remove: the mask and the chain are gone" "" \
	"$(ls "$ROOT/etc/systemd/system/ssh.service.d" "$ROOT/etc/iam-login/iam-login.conf.d" 2>/dev/null)"
start_unit_sshd
check_eq "EIC, after remove: the pushed key logs admin in as before" "admin" "$(ssh_to admin "" id -un 2>&1)"
stop_sshd
check "EIC: purge" apt_in_root "purge libnss-iam libpam-iam iam-login"
check_same "EIC, purge: every file, user, directory and unit as before the install" "$EIC_BASE" "$(digest)"
[ "$TAP_FAILED" -eq 0 ]
