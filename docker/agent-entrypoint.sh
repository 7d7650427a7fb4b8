#!/usr/bin/env bash
# The agent image's start. Events carry the host's name: the container takes it from the host (VIGIL_HOST_NAME
# overrides). `run` takes its enrollment token from VIGIL_ENROLL_TOKEN, else from the file VIGIL_ENROLL_TOKEN_FILE
# names (in docker-compose.yml, the one the console shares). Other commands (tail, doctor) pass through.
set -euo pipefail
# Renames only a UTS namespace of its own, never the host's: with pid: host, PID 1 is the host's init.
own=$(readlink /proc/self/ns/uts)
if [[ $(readlink /proc/1/ns/uts 2>/dev/null || echo "$own") == "$own" ]]; then
  echo "vigil-agent: not renaming this namespace to the host's name: run with pid: host and privileged" >&2
else
  name=${VIGIL_HOST_NAME:-$(nsenter --target 1 --uts cat /proc/sys/kernel/hostname 2>/dev/null || true)}
  if [[ -n $name ]] && ! hostname "$name"; then
    echo "vigil-agent: cannot take the host's name ($name)" >&2
  fi
fi
agent=/opt/vigil/agent/bin/vigil-agent
if [[ ${1:-} == run && -z ${VIGIL_ENROLL_TOKEN:-} && -n ${VIGIL_ENROLL_TOKEN_FILE:-} ]]; then
  shift
  exec "$agent" run --enroll-token-file "$VIGIL_ENROLL_TOKEN_FILE" "$@"
fi
exec "$agent" "$@"
