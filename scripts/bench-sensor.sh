#!/usr/bin/env bash
# npm run bench:sensor [-- --json]: builds what it needs, then measures the sensor's cost on exec throughput.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
make -s -C bpf >&2
exec node --import tsx agent/bench/sensor.ts "$@"
