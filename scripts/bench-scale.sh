#!/usr/bin/env bash
# npm run bench:scale [-- --json] [--events N] [--agents A] [--sizes N,N]: SQLite vs ClickHouse (1 and 2 shards).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prerequisites.sh
debian_packages+=(clickhouse-server)
install_debian_packages >&2
install_npm_modules >&2
npx turbo run build --filter=@vigil/web --output-logs=errors-only >&2
exec node --import tsx apps/web/bench/scale.ts "$@"
