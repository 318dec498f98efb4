#!/usr/bin/env bash
# Starts a hub of its own and runs the Python reference agency against it.
#
#   examples/python-agency/run-against-hub.sh
#
# The hub: `isp-hub start` from this checkout (dist/ is built if missing) on a
# free loopback port, a temporary DATA_DIR with its own redis-server, a copy of
# policies/ in which nv-probation takes pushes at the agency's receiver, and
# certs-example/. The agency: agency.py under Debian's python3 with
# python3-jwcrypto and python3-cryptography (apt-get install -y
# python3-jwcrypto python3-cryptography). Exit status: the agency's.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"
PUSH_AGENCY=nv-probation
certs="$repo/certs-example"

"$PYTHON" -c 'import jwcrypto, cryptography' 2>/dev/null || {
  echo "python-agency: $PYTHON lacks jwcrypto or cryptography; apt-get install -y python3-jwcrypto python3-cryptography" >&2
  exit 2
}
[ -f "$repo/dist/cli/main.js" ] || (cd "$repo" && npm run build >/dev/null)

# First the fixed vectors: this agency's envelope code must open what the hub's wrote.
(cd "$repo/examples/python-agency" && "$PYTHON" check_vectors.py "$repo/docs/test-vectors")

work="$(mktemp -d)"
hub_pid=""
cleanup() {
  if [ -n "$hub_pid" ] && kill -0 "$hub_pid" 2>/dev/null; then
    kill "$hub_pid"
    wait "$hub_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
hub_port="$(free_port)"
push_port="$(free_port)"

# The copy names the certificates by absolute path (agencies.yaml's are relative
# to the file) and sends nv-probation's deliveries to the agency's receiver.
cp -r "$repo/policies" "$work/policies"
"$PYTHON" - "$work/policies/agencies.yaml" "$certs" "$PUSH_AGENCY" "https://127.0.0.1:$push_port/" <<'PY'
import re, sys
path, certs, agency, url = sys.argv[1:]
text = open(path, encoding="utf-8").read().replace("../certs-example/", certs + "/")
pattern = re.compile(r"(- id: " + re.escape(agency) + r"\n(?:    .*\n)*?    delivery: )\{ mode: pull \}")
text, count = pattern.subn(lambda match: match.group(1) + '{ mode: push, url: "' + url + '" }', text)
if count != 1:
    sys.exit("python-agency: could not point " + agency + " at the receiver in agencies.yaml")
open(path, "w", encoding="utf-8").write(text)
PY

NODE_ENV=development HOST=127.0.0.1 PORT="$hub_port" DATA_DIR="$work/data" POLICY_DIR="$work/policies" \
  CA_CERT="$certs/ca/cert.pem" REVOCATION_LIST="$certs/ca/revocations.json" HUB_CERT_DIR="$certs/hub" \
  DELIVERY_BACKOFF_MS=200 LOG_LEVEL=warn \
  node "$repo/bin/isp-hub.js" start >"$work/hub.log" 2>&1 &
hub_pid=$!

hub_url="https://127.0.0.1:$hub_port"
for _ in $(seq 1 300); do
  if "$PYTHON" - "$hub_url" "$certs/ca/cert.pem" <<'PY' 2>/dev/null; then break; fi
import ssl, sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/health", context=ssl.create_default_context(cafile=sys.argv[2]), timeout=2)
PY
  if ! kill -0 "$hub_pid" 2>/dev/null; then
    echo "python-agency: the hub did not start:" >&2
    cat "$work/hub.log" >&2
    exit 1
  fi
  sleep 0.2
done

status=0
(cd "$repo/examples/python-agency" && "$PYTHON" agency.py --hub "$hub_url" --certs "$certs" --examples "$work/policies/examples" \
  --push-agency "$PUSH_AGENCY" --push-port "$push_port" --revocations "$certs/ca/revocations.json") || status=$?
if [ "$status" -ne 0 ]; then
  echo "python-agency: the hub's log (warn and above):" >&2
  cat "$work/hub.log" >&2
fi
exit "$status"
