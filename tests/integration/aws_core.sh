#!/usr/bin/env bash
# The AWS client core against moto_server (signatures verified, policies enforced):
# whoami with host keys, wrong secret, shared credentials file + profile,
# IMDSv2, AssumeRole, and throttling through the fault-injecting proxy.
source "$(dirname "$0")/../lib/tap.sh"
source "$TOP/tests/lib/moto.sh"

IAM_LOGIN=$BUILD/iam-login
if ! moto_available; then
	skip "aws core integration" "moto_server or aws CLI missing"
	exit 0
fi
[ -x "$IAM_LOGIN" ] || { not_ok "iam-login built" "missing $IAM_LOGIN"; exit 1; }
moto_start || { not_ok "moto starts"; exit 1; }

WORK=$(mktemp -d -t aws_core.XXXXXX)
trap 'proxy_stop; moto_stop; rm -rf "$WORK"' EXIT
IMDS_PID= IMDS1_PID=
export IAM_LOGIN_TEST_MODE=1
CONF=$WORK/iam-login.conf
moto_config "$CONF"
ACCOUNT=123456789012

# Runs iam-login with a clean credential environment plus the given VAR=VALUE words.
run() {
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
		AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null HOME="$WORK" \
		AWS_EC2_METADATA_DISABLED=true "$@"
}

# 1. whoami with host keys from the environment
out=$(run AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=$HOST_SK "$IAM_LOGIN" --config "$CONF" whoami 2>&1)
rc=$?
check_eq "whoami with env keys exits 0" 0 "$rc"
check_match "whoami prints the account" "^Account: $ACCOUNT$" "$out"
check_match "whoami prints the host user's ARN" "^Arn: arn:aws:iam::$ACCOUNT:user/iam-login-host$" "$out"
check_nomatch "no source identity without a role" "SourceArn" "$out"

# 2. wrong secret: SignatureDoesNotMatch, non-zero exit, secret never printed
out=$(run AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=WrongSecretWrongSecretWrongSecret0000000 \
	"$IAM_LOGIN" --config "$CONF" whoami 2>&1)
rc=$?
check_eq "wrong secret exits 1" 1 "$rc"
check_match "wrong secret names SignatureDoesNotMatch" "SignatureDoesNotMatch: " "$out"
check_nomatch "wrong secret is not echoed" "WrongSecret" "$out"

# 3. unknown access key: an AWS error code too, and no retries on a 4xx
out=$(run AWS_ACCESS_KEY_ID=AKIAUNKNOWN000000000 AWS_SECRET_ACCESS_KEY=x "$IAM_LOGIN" --config "$CONF" whoami 2>&1)
check_match "unknown key gives an AWS error code" "(InvalidClientTokenId|SignatureDoesNotMatch|AccessDenied)" "$out"

# 4. shared credentials file with a named profile (config [aws] profile), env empty
cat >"$WORK/credentials" <<CRED
[default]
aws_access_key_id = AKIAWRONGWRONGWRONG0
aws_secret_access_key = nope
# the host's profile
[iamhost]
aws_access_key_id = $HOST_AK
aws_secret_access_key = $HOST_SK
CRED
out=$(run AWS_SHARED_CREDENTIALS_FILE="$WORK/credentials" AWS_PROFILE=iamhost "$IAM_LOGIN" --config "$CONF" whoami 2>&1)
check_match "profile from AWS_PROFILE in shared credentials file" "^Arn: arn:aws:iam::$ACCOUNT:user/iam-login-host$" "$out"
moto_config "$WORK/profile.conf" "profile = iamhost"
out=$(run AWS_SHARED_CREDENTIALS_FILE="$WORK/credentials" "$IAM_LOGIN" --config "$WORK/profile.conf" whoami 2>&1)
check_match "profile from config [aws] profile" "^Arn: arn:aws:iam::$ACCOUNT:user/iam-login-host$" "$out"
out=$(run AWS_SHARED_CREDENTIALS_FILE="$WORK/credentials" AWS_ACCESS_KEY_ID=AKIAWRONGWRONGWRONG0 \
	AWS_SECRET_ACCESS_KEY=nope "$IAM_LOGIN" --config "$WORK/profile.conf" whoami 2>&1)
check_match "config [aws] profile is explicit: env keys do not override it" "^Arn: arn:aws:iam::$ACCOUNT:user/iam-login-host$" "$out"
out=$(run AWS_SHARED_CREDENTIALS_FILE="$WORK/credentials" AWS_PROFILE=nosuch "$IAM_LOGIN" --config "$CONF" whoami 2>&1)
rc=$?
check_eq "missing named profile fails" 1 "$rc"
check_match "missing profile is named in the error" "profile 'nosuch' not found" "$out"
# env keys win over the profile file (SDK order)
out=$(run AWS_SHARED_CREDENTIALS_FILE="$WORK/credentials" AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=$HOST_SK \
	"$IAM_LOGIN" --config "$CONF" whoami 2>&1)
check_match "env keys take precedence over [default] profile" "^Arn: arn:aws:iam::$ACCOUNT:user/iam-login-host$" "$out"
# config-file profile ([profile NAME]) via AWS_CONFIG_FILE
cat >"$WORK/config" <<CONF2
[profile cfgonly]
region = us-east-1
aws_access_key_id = $HOST_AK
aws_secret_access_key = $HOST_SK
CONF2
out=$(run AWS_CONFIG_FILE="$WORK/config" AWS_PROFILE=cfgonly "$IAM_LOGIN" --config "$CONF" whoami 2>&1)
check_match "[profile NAME] in AWS_CONFIG_FILE" "^Arn: arn:aws:iam::$ACCOUNT:user/iam-login-host$" "$out"

# The role used for instance credentials (5) and AssumeRole (6): trusted by the host user.
TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'$ACCOUNT':user/iam-login-host"},"Action":"sts:AssumeRole"}]}'
aws_admin iam create-role --role-name iam-login-reader --assume-role-policy-document "$TRUST" >/dev/null
aws_admin iam put-role-policy --role-name iam-login-reader --policy-name read \
	--policy-document "file://$TOP/conf/iam-policy.json" >/dev/null
aws_admin iam put-user-policy --user-name iam-login-host --policy-name assume \
	--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::'$ACCOUNT':role/iam-login-reader"}]}' >/dev/null

# 5. IMDSv2.
# 5a. moto's own metadata endpoint (same port): the chain takes the token with PUT and the
# role credentials; moto's IMDS keys are fixed fakes unknown to its IAM, so STS answers
# InvalidClientTokenId - which shows the request was signed with the IMDS credentials.
imds_run() {
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
		-u AWS_EC2_METADATA_DISABLED AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		HOME="$WORK" "$IAM_LOGIN" --config "$1" whoami 2>&1
}
out=$(imds_run "$CONF")
check_match "moto IMDS: credentials fetched and used to sign" "InvalidClientTokenId" "$out"
check_match "moto IMDS: token requested with PUT" "^[1-9]" "$(grep -c 'PUT /latest/api/token' "$MOTO_LOG")"
check_match "moto IMDS: role credentials fetched" "^[1-9]" "$(grep -c 'GET /latest/meta-data/iam/security-credentials/' "$MOTO_LOG")"

# 5b. a strict IMDSv2 stub (401 without the session token) serving the host's keys as
# the instance role's credentials: whoami works end to end.
# Real temporary credentials (moto checks session tokens): the instance role's session.
tmp=$(aws_host sts assume-role --role-arn "arn:aws:iam::$ACCOUNT:role/iam-login-reader" \
	--role-session-name i-0123456789abcdef0)
printf '%s' "$tmp" | python3 -c 'import json,sys
c = json.load(sys.stdin)["Credentials"]
print(json.dumps({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": c["AccessKeyId"],
    "SecretAccessKey": c["SecretAccessKey"], "Token": c["SessionToken"], "Expiration": c["Expiration"]}))' >"$WORK/imds.json"
INSTANCE_ARN="arn:aws:sts::$ACCOUNT:assumed-role/iam-login-reader/i-0123456789abcdef0"
IMDS_PORT=$(free_port)
IMDS_LOG=$WORK/imds.log
python3 "$TOP/tests/lib/imds_stub.py" --port "$IMDS_PORT" --role iam-login-instance \
	--creds "$WORK/imds.json" --log "$IMDS_LOG" --container-auth "Bearer ctr-token-1" >/dev/null 2>&1 &
IMDS_PID=$!
IMDS1_PORT=$(free_port)
python3 "$TOP/tests/lib/imds_stub.py" --port "$IMDS1_PORT" --role iam-login-instance \
	--creds "$WORK/imds.json" --log "$WORK/imds1.log" --v1-only >/dev/null 2>&1 &
IMDS1_PID=$!
trap 'kill $IMDS_PID $IMDS1_PID 2>/dev/null; proxy_stop; moto_stop; rm -rf "$WORK"' EXIT
for i in $(seq 1 50); do
	curl -s -o /dev/null "http://127.0.0.1:$IMDS_PORT/ping" && curl -s -o /dev/null "http://127.0.0.1:$IMDS1_PORT/ping" && break
	sleep 0.1
done
moto_config "$WORK/imds.conf" "imds_endpoint = http://127.0.0.1:$IMDS_PORT"
sed -i '0,/^imds_endpoint = http:\/\/127.0.0.1:'"$MOTO_PORT"'$/{//d}' "$WORK/imds.conf"
out=$(imds_run "$WORK/imds.conf")
check_match "IMDSv2 stub: whoami shows the instance role session" "^Arn: $INSTANCE_ARN$" "$out"
check_match "IMDSv2 stub: token PUT first" "^PUT /latest/api/token 200 token=no$" "$(grep /latest/ "$IMDS_LOG" | head -1)"
check_eq "IMDSv2 stub: every GET carried the token" "" "$(grep '^GET /latest' "$IMDS_LOG" | grep -v 'token=yes')"
check_match "IMDSv2 stub: role credentials fetched" "GET /latest/meta-data/iam/security-credentials/iam-login-instance 200" "$(cat "$IMDS_LOG")"
# 5b'. container credentials (FULL_URI on loopback, token from a file) come before IMDS
echo "Bearer ctr-token-1" >"$WORK/ctr-token"
out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE AWS_CONFIG_FILE=/dev/null \
	AWS_SHARED_CREDENTIALS_FILE=/dev/null HOME="$WORK" AWS_EC2_METADATA_DISABLED=true \
	AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$IMDS_PORT/container/creds" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$WORK/ctr-token" "$IAM_LOGIN" --config "$CONF" whoami 2>&1)
check_match "container credentials with authorization token" "^Arn: $INSTANCE_ARN$" "$out"
out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE AWS_CONFIG_FILE=/dev/null \
	AWS_SHARED_CREDENTIALS_FILE=/dev/null HOME="$WORK" AWS_EC2_METADATA_DISABLED=true \
	AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$IMDS_PORT/container/creds" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer wrong" "$IAM_LOGIN" --config "$CONF" whoami 2>&1)
check_match "container endpoint refusing the token is a clear error" "container credentials: HTTP 403" "$out"
out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE AWS_CONFIG_FILE=/dev/null \
	AWS_SHARED_CREDENTIALS_FILE=/dev/null HOME="$WORK" AWS_EC2_METADATA_DISABLED=true \
	AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.1/creds" "$IAM_LOGIN" --config "$CONF" whoami 2>&1)
check_match "container FULL_URI over plain http to a remote host is refused" "must be https, loopback" "$out"

# 5c. IMDSv1-only instance: refused unless imds_v1_fallback = yes
moto_config "$WORK/imds1.conf" "imds_endpoint = http://127.0.0.1:$IMDS1_PORT"
sed -i '0,/^imds_endpoint = http:\/\/127.0.0.1:'"$MOTO_PORT"'$/{//d}' "$WORK/imds1.conf"
out=$(imds_run "$WORK/imds1.conf")
check_match "IMDSv1-only without fallback: no credentials" "NoCredentials" "$out"
check_eq "IMDSv1-only without fallback: no GET was made" "0" "$(grep -c '^GET /latest' "$WORK/imds1.log")"
moto_config "$WORK/imds1b.conf" "imds_endpoint = http://127.0.0.1:$IMDS1_PORT" "imds_v1_fallback = yes"
sed -i '0,/^imds_endpoint = http:\/\/127.0.0.1:'"$MOTO_PORT"'$/{//d}' "$WORK/imds1b.conf"
out=$(imds_run "$WORK/imds1b.conf")
check_match "IMDSv1-only with imds_v1_fallback: works" "^Arn: $INSTANCE_ARN$" "$out"

# 6. AssumeRole: role trusted by the host user, role_arn in config
moto_config "$WORK/role.conf" "role_arn = arn:aws:iam::$ACCOUNT:role/iam-login-reader" "external_id = ext-42"
out=$(run AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=$HOST_SK "$IAM_LOGIN" --config "$WORK/role.conf" whoami 2>&1)
rc=$?
check_eq "whoami with role_arn exits 0" 0 "$rc"
check_match "whoami shows the assumed role" "^Arn: arn:aws:sts::$ACCOUNT:assumed-role/iam-login-reader/iam-login$" "$out"
check_match "whoami shows the source identity" "^SourceArn: arn:aws:iam::$ACCOUNT:user/iam-login-host$" "$out"
# role via a shared-config profile: role_arn + source_profile
cat >"$WORK/config-role" <<CONF3
[profile base]
aws_access_key_id = $HOST_AK
aws_secret_access_key = $HOST_SK
[profile reader]
role_arn = arn:aws:iam::$ACCOUNT:role/iam-login-reader
source_profile = base
role_session_name = via-profile
CONF3
out=$(run AWS_CONFIG_FILE="$WORK/config-role" AWS_PROFILE=reader "$IAM_LOGIN" --config "$CONF" whoami 2>&1)
check_match "profile role_arn + source_profile assumes the role" "^Arn: arn:aws:sts::$ACCOUNT:assumed-role/iam-login-reader/via-profile$" "$out"
cat >"$WORK/config-credsrc" <<CONF4
[profile envrole]
role_arn = arn:aws:iam::$ACCOUNT:role/iam-login-reader
credential_source = Environment
CONF4
# env keys would win in the chain, so use credential_source through a profile chosen
# while env is empty at chain time is impossible; instead check the explicit error path:
out=$(run AWS_CONFIG_FILE="$WORK/config-credsrc" AWS_PROFILE=envrole "$IAM_LOGIN" --config "$CONF" whoami 2>&1)
rc=$?
check_eq "credential_source=Environment without env keys fails" 1 "$rc"
check_match "credential_source error is clear" "credential_source Environment has no credentials" "$out"

# 6b. TLS verification is always on: a self-signed https endpoint is refused
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tls.key" -out "$WORK/tls.crt" \
		-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
	TLS_PORT=$(free_port)
	openssl s_server -quiet -accept "$TLS_PORT" -cert "$WORK/tls.crt" -key "$WORK/tls.key" -www \
		</dev/null >/dev/null 2>&1 &
	TLS_PID=$!
	for i in $(seq 1 50); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $TLS_PORT), 1)" 2>/dev/null && break
		sleep 0.1
	done
	moto_config "$WORK/tls.conf" "sts_endpoint = https://127.0.0.1:$TLS_PORT"
	sed -i '0,/^sts_endpoint = http:\/\/127.0.0.1:'"$MOTO_PORT"'$/{//d}' "$WORK/tls.conf"
	out=$(run AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=$HOST_SK "$IAM_LOGIN" --config "$WORK/tls.conf" whoami 2>&1)
	rc=$?
	kill "$TLS_PID" 2>/dev/null
	wait "$TLS_PID" 2>/dev/null
	check_eq "self-signed https endpoint: whoami fails" 1 "$rc"
	check_match "self-signed https endpoint: certificate verification error" "Transport: TLS certificate verification failed" "$out"
else
	skip "TLS verification" "openssl missing"
fi

# 7. throttling through the proxy
proxy_start
trap 'kill $IMDS_PID $IMDS1_PID 2>/dev/null; proxy_stop; moto_stop; rm -rf "$WORK"' EXIT
moto_config "$WORK/proxy.conf" "iam_endpoint = $PROXY_URL" "sts_endpoint = $PROXY_URL"
sed -i '/^iam_endpoint = http:\/\/127.0.0.1:'"$MOTO_PORT"'$/d;/^sts_endpoint = http:\/\/127.0.0.1:'"$MOTO_PORT"'$/d' "$WORK/proxy.conf"
echo '{"throttle_share":0.5}' >"$PROXY_CONTROL"
fails=0
for i in 1 2 3 4 5; do
	run AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=$HOST_SK "$IAM_LOGIN" --config "$WORK/proxy.conf" whoami >/dev/null 2>&1 || fails=$((fails + 1))
done
check_eq "5 whoami runs with 50% throttling all complete" 0 "$fails"
throttled=$(grep -c '^GetCallerIdentity 400$' "$PROXY_LOG")
check_match "the proxy really throttled some requests" "^[1-9]" "$throttled"

echo '{"throttle_share":1}' >"$PROXY_CONTROL"
moto_config "$WORK/proxy2.conf" "iam_endpoint = $PROXY_URL" "sts_endpoint = $PROXY_URL"
sed -i 's/^timeout = 10$/timeout = 3/' "$WORK/proxy2.conf"
sed -i '/^iam_endpoint = http:\/\/127.0.0.1:'"$MOTO_PORT"'$/d;/^sts_endpoint = http:\/\/127.0.0.1:'"$MOTO_PORT"'$/d' "$WORK/proxy2.conf"
start=$(date +%s%N)
out=$(run AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=$HOST_SK "$IAM_LOGIN" --config "$WORK/proxy2.conf" whoami 2>&1)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
check_eq "always throttled: whoami fails" 1 "$rc"
check_match "always throttled: clear Throttling error" "Throttling: Rate exceeded" "$out"
check_match "always throttled: gives up within the 3 s timeout (took ${ms} ms)" "^(ok)$" "$([ "$ms" -lt 4000 ] && echo ok)"
echo "# throttled whoami gave up after ${ms} ms"

# with many retries allowed, the overall deadline is what stops it
moto_config "$WORK/proxy3.conf" "iam_endpoint = $PROXY_URL" "sts_endpoint = $PROXY_URL" "max_retries = 20"
sed -i 's/^timeout = 10$/timeout = 2/' "$WORK/proxy3.conf"
sed -i '/^iam_endpoint = http:\/\/127.0.0.1:'"$MOTO_PORT"'$/d;/^sts_endpoint = http:\/\/127.0.0.1:'"$MOTO_PORT"'$/d' "$WORK/proxy3.conf"
start=$(date +%s%N)
out=$(run AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=$HOST_SK "$IAM_LOGIN" --config "$WORK/proxy3.conf" whoami 2>&1)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
check_eq "throttled past the deadline: whoami fails" 1 "$rc"
check_match "throttled past the deadline: Throttling error naming the deadline" "Throttling: Rate exceeded \(gave up after [0-9]+ attempts: next retry would pass the 2000 ms deadline\)" "$out"
check_match "throttled past the deadline: stops within the 2 s timeout (took ${ms} ms)" "^ok$" "$([ "$ms" -lt 2600 ] && echo ok)"
echo "# deadline-bound throttled whoami gave up after ${ms} ms"

# a 4xx that is not throttling is never retried
echo '{}' >"$PROXY_CONTROL"
before=$(grep -c '^GetCallerIdentity ' "$PROXY_LOG")
run AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=WrongSecretWrongSecretWrongSecret0000000 "$IAM_LOGIN" --config "$WORK/proxy.conf" whoami >/dev/null 2>&1
after=$(grep -c '^GetCallerIdentity ' "$PROXY_LOG")
check_eq "SignatureDoesNotMatch is sent exactly once (no retry)" 1 "$((after - before))"
# 503s are retried
echo '{"status_share":1,"status":503}' >"$PROXY_CONTROL"
before=$(grep -c '^GetCallerIdentity ' "$PROXY_LOG")
out=$(run AWS_ACCESS_KEY_ID=$HOST_AK AWS_SECRET_ACCESS_KEY=$HOST_SK "$IAM_LOGIN" --config "$WORK/proxy2.conf" whoami 2>&1)
after=$(grep -c '^GetCallerIdentity ' "$PROXY_LOG")
check_match "HTTP 503 is retried" "^([2-9]|[1-9][0-9])$" "$((after - before))"
check_match "HTTP 503 failure is reported" "HTTP503" "$out"

exit $((TAP_FAILED > 0))
