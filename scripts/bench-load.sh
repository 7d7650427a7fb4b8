#!/usr/bin/env bash
# npm run bench:load [-- --json]: ingest at its most while 20 analysts use the console, against each alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prerequisites.sh
npx turbo run build --filter=@vigil/web --output-logs=errors-only >&2
exec node --import tsx apps/web/bench/load.ts "$@"
