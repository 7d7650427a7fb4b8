#!/usr/bin/env bash
# Checks the deployment files: docker-compose.yml and the Dockerfiles it names, the shell scripts (shellcheck),
# the agent's systemd unit (systemd-analyze), and that a staged agent (deploy/stage-agent.sh) finds its sensor.
# No Docker engine needed. Prints `deploy checks: N passed, M failed`; exits 1 if any failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
source scripts/prerequisites.sh

debian_packages=(docker-compose shellcheck)
install_debian_packages

passed=0 failed=0
ok() {
  printf 'ok    %s\n' "$1"
  passed=$((passed + 1))
}
fail() {
  printf 'FAIL  %s\n' "$1"
  [[ -z ${2:-} ]] || printf '%s\n' "$2" | sed 's/^/      /'
  failed=$((failed + 1))
}
skip() { printf 'skip  %s\n' "$1"; }
# check NAME COMMAND...: one check, its output shown only when it fails.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$out"; fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "docker-compose.yml"
check "docker-compose config: docker-compose.yml is valid" docker-compose -f docker-compose.yml config -q
check "docker-compose config: the cluster profile is valid" \
  env VIGIL_CLUSTER_SECRET=0123456789abcdef0123456789abcdef docker-compose -f docker-compose.yml --profile cluster config -q
check "docker/cluster-proxy.conf, the cluster profile's proxy, exists" test -f docker/cluster-proxy.conf
for dockerfile in $(docker-compose -f docker-compose.yml config 2>/dev/null | sed -n 's/^ *dockerfile: //p'); do
  [[ -f $dockerfile ]] || fail "$dockerfile, named in docker-compose.yml, exists"
done
for dockerfile in docker/*.Dockerfile; do
  # Every file a Dockerfile copies from the build context must be there (COPY --from copies from a stage).
  absent=$(sed -n 's/^COPY \([^-].*\) [^ ]*$/\1/p' "$dockerfile" | tr ' ' '\n' |
    while read -r source; do [[ $source == . || -e $source ]] || echo "$source"; done)
  if [[ -z $absent ]]; then ok "$dockerfile: what it copies exists"; else fail "$dockerfile: missing" "$absent"; fi
done

step "shellcheck"
for script in deploy/*.sh docker/*.sh scripts/test-deploy.sh; do
  check "shellcheck $script" shellcheck -x "$script"
done

step "deploy/install-agent.sh arguments"
check "install-agent.sh --help" deploy/install-agent.sh --help
if deploy/install-agent.sh --server http://localhost:3000 >/dev/null 2>"$tmp/err"; then
  fail "install-agent.sh without --enroll-token is refused" "it went on"
elif [[ $? -eq 2 ]] && grep -q -- '--enroll-token TOKEN is required' "$tmp/err"; then
  ok "install-agent.sh without --enroll-token is refused"
else
  fail "install-agent.sh without --enroll-token is refused" "$(cat "$tmp/err")"
fi

step "deploy/vigil-agent.service"
if ! command -v systemd-analyze >/dev/null; then
  skip "systemd-analyze verify: systemd-analyze is not installed"
else
  # The unit names /opt/vigil and /etc/vigil, which an installed host has: verify a copy that looks for them in
  # $tmp, with the checkout's launcher standing in for the installed one.
  mkdir -p "$tmp/unit" "$tmp/opt/vigil/agent/bin" "$tmp/etc/vigil"
  ln -s "$root/agent/bin/vigil-agent" "$tmp/opt/vigil/agent/bin/vigil-agent"
  touch "$tmp/etc/vigil/agent.env"
  sed -e "s|/opt/vigil|$tmp/opt/vigil|g" -e "s|/etc/vigil|$tmp/etc/vigil|g" deploy/vigil-agent.service \
    >"$tmp/unit/vigil-agent.service"
  # It ignores a setting it cannot parse with a warning: any output is a failure.
  out=$(systemd-analyze verify "$tmp/unit/vigil-agent.service" 2>&1) && status=0 || status=$?
  if [[ $status -eq 0 && -z $out ]]; then ok "systemd-analyze verify vigil-agent.service"; else
    fail "systemd-analyze verify vigil-agent.service" "$out"
  fi
  # Exposure is 0-10 (0 best), --threshold is in tenths: 5.0 keeps the hardening from being dropped unnoticed.
  if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
    if out=$(systemd-analyze security --offline=yes --threshold=50 "$tmp/unit/vigil-agent.service" 2>&1); then
      ok "systemd-analyze security: exposure $(sed -n 's/.*Overall exposure level[^:]*: \([0-9.]*\).*/\1/p' <<<"$out"), at most 5.0"
    else
      fail "systemd-analyze security: exposure at most 5.0" "$(grep 'Overall exposure' <<<"$out")"
    fi
  else
    skip "systemd-analyze security: this systemd has no --offline"
  fi
fi

step "deploy/stage-agent.sh"
if [[ -f bpf/build/vigil-sensor && -f agent/dist/vigil-agent.mjs ]]; then
  if out=$(deploy/stage-agent.sh "$tmp/stage" 2>&1); then
    ok "stage-agent.sh stages an agent that loads"
    check "the staged agent finds its sensor" node -e '
      const run = require("node:child_process").spawnSync(process.argv[1], ["doctor", "--json"], { encoding: "utf8" });
      const sensor = JSON.parse(run.stdout).checks.find((c) => c.name === "sensor");
      if (!sensor?.ok || sensor.detail !== process.argv[2]) throw new Error(run.stdout + run.stderr);' \
      "$tmp/stage/agent/bin/vigil-agent" "$tmp/stage/bpf/build/vigil-sensor"
  else
    fail "stage-agent.sh stages an agent that loads" "$out"
  fi
else
  skip "stage-agent.sh: the sensor or the agent is not built (make -C bpf; npm run build -w agent)"
fi

echo "deploy checks: $passed passed, $failed failed"
((failed == 0))
