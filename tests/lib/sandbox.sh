# Private mount namespace for end-to-end tests with the real glibc, sshd and ssh.
# Nothing on the machine changes: /etc, /run, /var/lib, /var/cache, /usr/sbin and
# the system library directory get an overlay (tmpfs upper layer) that only
# this namespace sees; it vanishes when the test's last process exits. Root only.
#
#   source "$(dirname "$0")/../lib/tap.sh"
#   source "$(dirname "$0")/../lib/moto.sh"      # optional
#   source "$(dirname "$0")/../lib/sandbox.sh"
#   sandbox_enter "$@"      # re-runs this script inside `unshare -m` (first line!)
#   moto_start; proxy_start # optional, before sandbox_setup (they set EXIT traps)
#   sandbox_setup           # overlays, nsswitch, libnss_iam, service user, commands
#   moto_config "$SB_CONF" "[keys]" "ttl = 5"   # or sandbox_config LINES...
#   sshd_start "UsePAM yes" # extra sshd_config lines; SSHD_PORT, SSHD_LOG set
#   ssh_as alice ~/.ssh/id 'id -u'
#
# After sandbox_setup, inside the namespace:
#   /etc/nsswitch.conf           passwd/group/initgroups: files iam (SB_NSS_SERVICES)
#   /usr/lib/<multiarch>/libnss_iam.so.2   the built module (setuid programs find it)
#   /usr/sbin/iam-authorized-keys, /usr/sbin/iam-login   the built tools (root, 0755)
#   /etc/iam-login/iam-login.conf  ($SB_CONF) written by sandbox_config / moto_config
#   /var/lib/iam-login           state dir (snapshot "directory"), root's; sync/ owned by iam-login
#   /var/cache/iam-login/keys    key cache, owner iam-login-keys, 0700
#   iam-login                    the sync's system user/group (SB_SVC_UID/SB_SVC_GID),
#                                home /var/lib/iam-login; as_service runs as it
#   iam-login-keys               the key command's user (SB_KEYS_UID/SB_KEYS_GID),
#                                home /var/lib/iam-login-keys; as_keys runs as it
#   /run/sshd                    for sshd's privilege separation
# Optional: sandbox_syslog collects syslog (audit lines) into $SB_SYSLOG.
# SB is the sandbox's scratch directory (tmpfs, 0755).

SB=
SB_CONF=/etc/iam-login/iam-login.conf
SB_STATE=/var/lib/iam-login
SB_CACHE=/var/cache/iam-login/keys
SB_SVC_USER=iam-login
SB_SVC_HOME=/var/lib/iam-login
SB_KEYS_USER=iam-login-keys
SB_KEYS_HOME=/var/lib/iam-login-keys
SB_LIBDIR=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
SB_NSS_SERVICES=${SB_NSS_SERVICES:-files iam}
SSHD_PID=
SSHD_PORT=
SSHD_LOG=

# Re-run the calling script inside a private mount namespace. Skips (exit 0)
# when not root or unshare is missing.
sandbox_enter() {
	[ -n "${IAM_SANDBOX:-}" ] && return 0
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1; then
		skip "$(basename "$0")" "needs root and unshare for a private mount namespace"
		exit 0
	fi
	IAM_SANDBOX=1 exec unshare -m --propagation private bash "$0" "$@"
}

# Overlay one directory: writes go to the sandbox's tmpfs, reads fall through.
_sb_overlay() {
	local d=$1 n
	n=$(printf '%s' "$d" | tr / _)
	mkdir -p "$SB/.ov/$n/u" "$SB/.ov/$n/w"
	mount -t overlay overlay -o "lowerdir=$d,upperdir=$SB/.ov/$n/u,workdir=$SB/.ov/$n/w" "$d"
}

# Lowest free uid/gid in 900..989 for the service user.
_sb_free_id() {
	local db=$1 i
	for i in $(seq 989 -1 900); do
		getent "$db" "$i" >/dev/null 2>&1 || { echo "$i"; return 0; }
	done
	return 1
}

# _sb_system_user NAME HOME GECOS: a nologin system user with its own group.
_sb_system_user() {
	local name=$1 home=$2 gecos=$3 uid gid
	getent -s files passwd "$name" >/dev/null && return 0
	gid=$(_sb_free_id group) && uid=$(_sb_free_id passwd) || return 1
	echo "$name:x:$gid:" >>/etc/group
	echo "$name:x:$uid:$gid:$gecos:$home:/usr/sbin/nologin" >>/etc/passwd
}

sandbox_setup() {
	[ -n "${IAM_SANDBOX:-}" ] || { echo "sandbox_setup: call sandbox_enter first" >&2; return 1; }
	SB=$(mktemp -d -t iam-sandbox.XXXXXX) || return 1
	mount -t tmpfs -o mode=0755 tmpfs "$SB" || return 1
	local d
	for d in /etc /run /var/lib /var/cache /usr/sbin "$SB_LIBDIR"; do
		_sb_overlay "$d" || { echo "sandbox_setup: overlay on $d failed" >&2; return 1; }
	done
	# A private /tmp: what sshd, sudo and the tools write there stays in the
	# namespace (the sandbox itself lives under TMPDIR, in the build folder).
	case $SB in
	/tmp/*) ;;
	*) mount -t tmpfs -o mode=1777 tmpfs /tmp || return 1 ;;
	esac
	trap sandbox_cleanup EXIT

	cat >/etc/nsswitch.conf <<EOF
passwd:         $SB_NSS_SERVICES
group:          $SB_NSS_SERVICES
initgroups:     $SB_NSS_SERVICES
shadow:         files
hosts:          files dns
services:       files
EOF
	[ -f "$BUILD/libnss_iam.so.2" ] && install -m 0644 "$BUILD/libnss_iam.so.2" "$SB_LIBDIR/libnss_iam.so.2"
	local t
	for t in iam-authorized-keys iam-login; do
		[ -f "$BUILD/$t" ] && install -m 0755 -o root -g root "$BUILD/$t" "/usr/sbin/$t"
	done

	_sb_system_user "$SB_SVC_USER" "$SB_SVC_HOME" "iam-login sync" || return 1
	_sb_system_user "$SB_KEYS_USER" "$SB_KEYS_HOME" "iam-login SSH keys" || return 1
	SB_SVC_UID=$(getent -s files passwd "$SB_SVC_USER" | cut -d: -f3)
	SB_SVC_GID=$(getent -s files passwd "$SB_SVC_USER" | cut -d: -f4)
	SB_KEYS_UID=$(getent -s files passwd "$SB_KEYS_USER" | cut -d: -f3)
	SB_KEYS_GID=$(getent -s files passwd "$SB_KEYS_USER" | cut -d: -f4)

	install -d -m 0755 -o root -g root /etc/iam-login /run/sshd
	# decision 13: the state dir and the snapshot are root's; the sync writes
	# only its candidate, status and lock in its own sync/ subdirectory; the key
	# command writes only the key cache
	install -d -m 0755 -o root -g root "$SB_STATE"
	install -d -m 0700 -o "$SB_SVC_UID" -g "$SB_SVC_GID" "$SB_STATE/sync"
	install -d -m 0700 -o "$SB_KEYS_UID" -g "$SB_KEYS_GID" "$SB_KEYS_HOME"
	install -d -m 0755 -o root -g root /var/cache/iam-login
	install -d -m 0700 -o "$SB_KEYS_UID" -g "$SB_KEYS_GID" "$SB_CACHE"
	export SB SB_CONF SB_STATE SB_CACHE SB_SVC_USER SB_SVC_UID SB_SVC_GID SB_SVC_HOME SB_LIBDIR
	export SB_KEYS_USER SB_KEYS_UID SB_KEYS_GID SB_KEYS_HOME
}

# Write $SB_CONF (root, 0644) from the given lines (a whole INI file).
sandbox_config() {
	printf '%s\n' "$@" >"$SB_CONF"
	chown root:root "$SB_CONF"
	chmod 0644 "$SB_CONF"
}

# Give both service users AWS credentials the SDK way: ~/.aws/credentials (0600).
# sshd runs AuthorizedKeysCommand with HOME from the passwd entry.
sandbox_service_creds() {
	local ak=$1 sk=$2 who
	for who in "$SB_SVC_UID:$SB_SVC_GID:$SB_SVC_HOME" "$SB_KEYS_UID:$SB_KEYS_GID:$SB_KEYS_HOME"; do
		local own=${who%:*} home=${who##*:}
		install -d -m 0700 -o "${own%:*}" -g "${own#*:}" "$home/.aws"
		printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$ak" "$sk" \
			>"$home/.aws/credentials"
		printf '[default]\nregion = us-east-1\n' >"$home/.aws/config"
		chown "$own" "$home/.aws/credentials" "$home/.aws/config"
		chmod 0600 "$home/.aws/credentials" "$home/.aws/config"
	done
}

# Run a command as the sync's service user with the minimal environment sshd
# gives an AuthorizedKeysCommand (PATH, USER, LOGNAME, HOME).
as_service() {
	setpriv --reuid "$SB_SVC_UID" --regid "$SB_SVC_GID" --init-groups \
		env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin USER="$SB_SVC_USER" LOGNAME="$SB_SVC_USER" \
		HOME="$SB_SVC_HOME" "$@"
}

# The same as the key command's user (AuthorizedKeysCommandUser iam-login-keys).
as_keys() {
	setpriv --reuid "$SB_KEYS_UID" --regid "$SB_KEYS_GID" --init-groups \
		env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin USER="$SB_KEYS_USER" LOGNAME="$SB_KEYS_USER" \
		HOME="$SB_KEYS_HOME" "$@"
}

# sandbox_sync [ARGS]: the two halves the systemd unit runs: the sync as the
# service user (candidate only), then the install as root. Prints both outputs.
sandbox_sync() {
	as_service /usr/sbin/iam-login sync "$@" && /usr/sbin/iam-login install --quiet
}

# Add a local account (name uid [home]) to the sandbox's /etc/passwd.
sandbox_local_user() {
	local name=$1 uid=$2 home=${3:-/}
	echo "$name:x:$uid:" >>/etc/group
	echo "$name:x:$uid:$uid:local test user:$home:/bin/sh" >>/etc/passwd
}

# sshd_write_config FILE [extra lines...]: a loopback-only sshd config, public
# keys only. sshd takes the first value of a keyword, so the extra lines go
# first and win over the defaults below (no Match blocks in extra lines).
sshd_write_config() {
	local f=$1
	shift
	{
		[ $# -gt 0 ] && printf '%s\n' "$@"
		echo "Port $SSHD_PORT"
		echo "ListenAddress 127.0.0.1"
		echo "HostKey $SB/ssh/host_ed25519"
		echo "PidFile none"
		echo "AuthorizedKeysFile none"
		echo "PasswordAuthentication no"
		echo "PermitRootLogin no"
		echo "StrictModes yes"
		echo "LogLevel VERBOSE"
		echo "MaxStartups 100:30:200"
		echo "LoginGraceTime 30"
		echo "Subsystem sftp internal-sftp"
	} >"$f"
	chmod 0644 "$f"
}

# sshd_start [extra sshd_config lines...]: sshd -D -e on a free loopback port.
# Without a UsePAM line, UsePAM no is added. Sets SSHD_PORT, SSHD_PID, SSHD_LOG, SSHD_CONFIG.
sshd_start() {
	mkdir -p "$SB/ssh"
	[ -f "$SB/ssh/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$SB/ssh/host_ed25519" || return 1
	SSHD_PORT=$(free_port)
	SSHD_CONFIG=$SB/ssh/sshd_config
	SSHD_LOG=${SSHD_LOG:-$SB/ssh/sshd.log}
	local extra=("$@")
	printf '%s\n' "${extra[@]}" | grep -qi '^UsePAM' || extra+=("UsePAM no")
	sshd_write_config "$SSHD_CONFIG" "${extra[@]}"
	/usr/sbin/sshd -t -f "$SSHD_CONFIG" || return 1
	/usr/sbin/sshd -D -e -f "$SSHD_CONFIG" >>"$SSHD_LOG" 2>&1 &
	SSHD_PID=$!
	local i
	for i in $(seq 1 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $SSHD_PORT), 1)" 2>/dev/null && break
		sleep 0.05
	done
	kill -0 "$SSHD_PID" 2>/dev/null
	export SSHD_PORT SSHD_PID SSHD_LOG SSHD_CONFIG
}

sshd_stop() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}

# ssh_as USER IDENTITY [COMMAND...]: the real client, non-interactive, against sshd_start's sshd.
ssh_as() {
	local user=$1 id=$2
	shift 2
	ssh -F /dev/null -i "$id" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 \
		-o PreferredAuthentications=publickey -p "$SSHD_PORT" "$user@127.0.0.1" "$@"
}

# A fresh client key pair: sandbox_keygen NAME [TYPE] -> prints the private key path.
sandbox_keygen() {
	local name=$1 type=${2:-ed25519}
	mkdir -p "$SB/keys"
	ssh-keygen -q -t "$type" -N '' -C "$name@test" -f "$SB/keys/$name" </dev/null || return 1
	echo "$SB/keys/$name"
}

# sandbox_syslog: a /dev/log of our own (overlay on /dev); every syslog line
# written in the namespace is appended to $SB_SYSLOG ("<prio>date ident[pid]: msg").
SYSLOG_PID=
sandbox_syslog() {
	SB_SYSLOG=$SB/syslog
	: >"$SB_SYSLOG"
	_sb_overlay /dev || return 1
	rm -f /dev/log
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
f = open(sys.argv[1], "ab", 0)
f.write(b"")
while True:
    f.write(s.recv(65536).rstrip(b"\n") + b"\n")
' "$SB_SYSLOG" &
	SYSLOG_PID=$!
	local i
	for i in $(seq 1 50); do [ -S /dev/log ] && break; sleep 0.05; done
	export SB_SYSLOG
	[ -S /dev/log ]
}

sandbox_cleanup() {
	[ -n "$SYSLOG_PID" ] && kill "$SYSLOG_PID" 2>/dev/null
	sshd_stop
	declare -F proxy_stop >/dev/null && proxy_stop
	declare -F moto_stop >/dev/null && moto_stop
	return 0
}
