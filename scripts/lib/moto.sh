# shellcheck shell=bash
# Starts moto server on a free loopback port and points every AWS client at it.
# Usage: source scripts/lib/moto.sh; moto_start WORKDIR   (stopped by moto_stop / on exit)
# Sets MOTO_ENDPOINT. Uses only fake credentials, so nothing can reach a real account.

moto_pid=""

moto_stop() {
  if [ -n "$moto_pid" ] && kill -0 "$moto_pid" 2>/dev/null; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  moto_pid=""
}

moto_owns_port() { # moto_owns_port PID PORT: whether process PID itself listens on PORT
  # (from /proc/net/tcp and /proc/PID/fd). Another run's moto may take a port between our
  # pick and our bind; it would answer while ours starts, and the reset probe below would
  # wipe that other run's state.
  python3 - "$1" "$2" <<'PY'
import os, sys
pid, port = sys.argv[1], int(sys.argv[2])
sockets = set()
with open("/proc/net/tcp") as table:
    next(table)
    for line in table:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
            sockets.add(f"socket:[{fields[9]}]")
def held(fd):
    try:
        return os.readlink(f"/proc/{pid}/fd/{fd}") in sockets
    except OSError:
        return False
try:
    fds = os.listdir(f"/proc/{pid}/fd")
except OSError:
    sys.exit(1)
sys.exit(0 if any(held(fd) for fd in fds) else 1)
PY
}

moto_start() {
  local work=$1 port
  command -v moto_server >/dev/null || { echo "moto_server not found: run scripts/setup" >&2; return 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  # AWS managed policies (PowerUserAccess, ReadOnlyAccess, AmazonEKS*) exist in moto only
  # when it loads them; the bootstrap attaches them.
  MOTO_IAM_LOAD_MANAGED_POLICIES=true moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  moto_pid=$!
  MOTO_ENDPOINT="http://127.0.0.1:$port"
  local ready=""
  for _ in $(seq 1 150); do
    if moto_owns_port "$moto_pid" "$port" &&
      python3 -c "import urllib.request; urllib.request.urlopen('$MOTO_ENDPOINT/moto-api/reset', data=b'', timeout=1)" 2>/dev/null; then
      ready=1
      break
    fi
    kill -0 "$moto_pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ -z "$ready" ]; then
    cat "$work/moto.log" >&2
    echo "moto_server did not start on $MOTO_ENDPOINT" >&2
    return 1
  fi
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_ENDPOINT_URL="$MOTO_ENDPOINT" AWS_ENDPOINT_URL_S3="$MOTO_ENDPOINT" AWS_ENDPOINT_URL_STS="$MOTO_ENDPOINT" AWS_ENDPOINT_URL_IAM="$MOTO_ENDPOINT"
  export AWS_EC2_METADATA_DISABLED=true
  export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-credentials"
  : >"$AWS_CONFIG_FILE"
  : >"$AWS_SHARED_CREDENTIALS_FILE"
}
