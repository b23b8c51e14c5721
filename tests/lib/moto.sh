# Start moto_server on a free loopback port with signature checks and IAM policy
# enforcement, and bootstrap two identities (recipe in the project's shared TESTING.md):
#   admin: inline "Action":"*"      -> ADMIN_AK / ADMIN_SK (seeding via aws_admin)
#   host:  conf/iam-policy.json only -> HOST_AK / HOST_SK   (what iam-login uses)
# Source tests/lib/tap.sh first. moto_start [POLICY_FILE]; moto_stop is trapped.
MOTO_PID=
# scripts/install-deps puts moto and the AWS CLI here when the machine has none;
# appended, so a machine's own copy on PATH wins.
[ -d "$BUILD/moto-venv/bin" ] && PATH=$PATH:$BUILD/moto-venv/bin
moto_available() { command -v moto_server >/dev/null 2>&1 && command -v aws >/dev/null 2>&1; }

moto_stop() {
	[ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null && wait "$MOTO_PID" 2>/dev/null
	MOTO_PID=
}

# aws CLI against moto with explicit keys; never touches ~/.aws.
_aws_as() {
	local ak=$1 sk=$2
	shift 2
	AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk AWS_SESSION_TOKEN= AWS_DEFAULT_REGION=us-east-1 \
		AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER= \
		aws --endpoint-url "$MOTO_URL" --output json "$@"
}
aws_admin() { _aws_as "$ADMIN_AK" "$ADMIN_SK" "$@"; }
aws_host() { _aws_as "$HOST_AK" "$HOST_SK" "$@"; }

moto_start() {
	local policy=${1:-$TOP/conf/iam-policy.json}
	MOTO_PORT=$(free_port)
	MOTO_URL=http://127.0.0.1:$MOTO_PORT
	MOTO_LOG=${MOTO_LOG:-$(mktemp -t moto.XXXXXX.log)}
	# MOTO_QUERY_FIX=1: moto_server with tests/lib/moto_query_fix.py (see there)
	local cmd=(moto_server)
	if [ -n "${MOTO_QUERY_FIX:-}" ]; then
		local py
		for py in "$BUILD/moto-venv/bin/python3" python3; do
			"$py" -c 'import moto.server' 2>/dev/null && break
		done
		cmd=("$py" "$TOP/tests/lib/moto_query_fix.py")
	fi
	INITIAL_NO_AUTH_ACTION_COUNT=6 "${cmd[@]}" -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
	MOTO_PID=$!
	trap moto_stop EXIT
	local i
	for i in $(seq 1 100); do
		curl -s -o /dev/null "$MOTO_URL/moto-api/" && break
		sleep 0.1
	done
	local boot=AKIDBOOTSTRAP0000000 bootsk=bootstrap
	_aws_as $boot $bootsk iam create-user --user-name iam-login-admin >/dev/null || return 1
	_aws_as $boot $bootsk iam put-user-policy --user-name iam-login-admin --policy-name all \
		--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' >/dev/null || return 1
	local k
	k=$(_aws_as $boot $bootsk iam create-access-key --user-name iam-login-admin) || return 1
	ADMIN_AK=$(printf '%s' "$k" | python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["AccessKeyId"])')
	ADMIN_SK=$(printf '%s' "$k" | python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["SecretAccessKey"])')
	_aws_as $boot $bootsk iam create-user --user-name iam-login-host >/dev/null || return 1
	_aws_as $boot $bootsk iam put-user-policy --user-name iam-login-host --policy-name iam-login \
		--policy-document "file://$policy" >/dev/null || return 1
	k=$(_aws_as $boot $bootsk iam create-access-key --user-name iam-login-host) || return 1
	HOST_AK=$(printf '%s' "$k" | python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["AccessKeyId"])')
	HOST_SK=$(printf '%s' "$k" | python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["SecretAccessKey"])')
	export MOTO_PORT MOTO_URL MOTO_LOG ADMIN_AK ADMIN_SK HOST_AK HOST_SK
}

# Number of requests moto logged for an IAM Action since the start (e.g. ListSSHPublicKeys).
moto_count() {
	grep -c "Action=$1\b" "$MOTO_LOG" 2>/dev/null || true
}

# Write an iam-login config pointing at moto: moto_config FILE [extra INI text]
moto_config() {
	local f=$1
	shift
	{
		echo "[aws]"
		echo "region = us-east-1"
		echo "iam_endpoint = $MOTO_URL"
		echo "sts_endpoint = $MOTO_URL"
		echo "imds_endpoint = $MOTO_URL"
		echo "connect_timeout = 2"
		echo "timeout = 10"
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$f"
	chmod 0644 "$f"
}

# Environment for running iam-login as the host identity.
host_env() {
	echo "AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=$HOST_SK AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null"
}

# Start tests/lib/iamproxy.py in front of moto: proxy_start; then PROXY_URL,
# PROXY_LOG (one line per request: "Action status"), PROXY_TRACE (the same with
# time, client port, UserName and signing time) and PROXY_CONTROL (JSON) are set.
PROXY_PID=
proxy_start() {
	PROXY_PORT=$(free_port)
	PROXY_URL=http://127.0.0.1:$PROXY_PORT
	PROXY_LOG=$(mktemp -t iamproxy.XXXXXX.log)
	PROXY_CONTROL=$(mktemp -t iamproxy.XXXXXX.json)
	PROXY_TRACE=$(mktemp -t iamproxy.XXXXXX.trace)
	echo '{}' >"$PROXY_CONTROL"
	python3 "$TOP/tests/lib/iamproxy.py" --port "$PROXY_PORT" --upstream "$MOTO_URL" \
		--log "$PROXY_LOG" --control "$PROXY_CONTROL" --trace "$PROXY_TRACE" &
	PROXY_PID=$!
	trap 'proxy_stop; moto_stop' EXIT
	local i
	for i in $(seq 1 50); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $PROXY_PORT), 1)" 2>/dev/null && break
		sleep 0.1
	done
	export PROXY_PORT PROXY_URL PROXY_LOG PROXY_CONTROL PROXY_TRACE
}
proxy_stop() { [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null; PROXY_PID=; }
# proxy_count ACTION: requests for ACTION seen by the proxy
proxy_count() { grep -c "^$1 " "$PROXY_LOG" 2>/dev/null || true; }
# proxy_count_for ACTION USER [SINCE_MS]: requests for ACTION about UserName USER
# (answered at or after SINCE_MS)
proxy_count_for() {
	awk -v a="$1" -v u="$2" -v t="${3:-0}" '$2 == a && $5 == u && $1 >= t { n++ } END { print n + 0 }' \
		"$PROXY_TRACE" 2>/dev/null
}
