#!/usr/bin/env bash
# `npm run test:chaos`: the real server, agent and sensor under kills, a full disk, a bad network and a wrong clock
# (apps/web/chaos). Needs root (the sensor, a tmpfs mount), the built sensor and console: `npm test` runs it last.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prerequisites.sh

if [[ $EUID -ne 0 ]]; then
  echo "test:chaos needs root: it runs the sensor and mounts a small tmpfs to fill up" >&2
  exit 2
fi
debian_packages+=(faketime) # a host clock that is off (libfaketime)
install_debian_packages
if [[ ! -x bpf/build/vigil-sensor || ! -f apps/web/.next/BUILD_ID ]]; then
  echo "test:chaos runs the built sensor and console: run 'make -C bpf' and 'npx turbo run build' first" >&2
  exit 2
fi
exec npx tsx apps/web/chaos/suite.ts
