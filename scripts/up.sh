#!/usr/bin/env bash
# npm run up: builds what is missing, starts the console + agent API on http://localhost:$PORT (default 3000) with
# its data in ./data, and, as root, a local agent enrolled to it. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
source scripts/prerequisites.sh
port=${PORT:-3000}
data=${VIGIL_DATA_DIR:-$root/data}

if [[ $EUID -eq 0 ]]; then
  install_debian_packages
else
  echo "not root: starting the console only. An agent needs root (it loads eBPF programs): see README, 'Agents'." >&2
fi
install_npm_modules
if [[ $EUID -eq 0 ]]; then
  step "building the sensor"
  make -s -C bpf
fi
step "building the console"
npx turbo run build --filter=@vigil/web --output-logs=errors-only

mkdir -p "$data"
chmod 700 "$data"
apps/cli/bin/vigil --data-dir "$data" bootstrap

pids=()
stop() { # the agent first, so it can ship what it holds; then the server
  trap - INT TERM EXIT
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
}
trap stop INT TERM EXIT

step "starting the server on port $port"
VIGIL_DATA_DIR=$data apps/web/bin/vigil-server -p "$port" &
pids+=($!)
for _ in $(seq 1 120); do
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$port/" && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "the server exited; see above" >&2; exit 1; }
  sleep 0.5
done

if [[ $EUID -eq 0 ]]; then
  step "starting the local agent"
  agent/bin/vigil-agent run --server "http://127.0.0.1:$port" --enroll-token-file "$data/enroll-token" \
    --data-dir "$data/agent" &
  pids+=($!)
fi
step "Vigil is up: http://localhost:$port (Ctrl-C stops it)"
wait -n "${pids[@]}" || true
