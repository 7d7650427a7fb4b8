#!/usr/bin/env bash
# npm run bench:fleet [-- --json]: builds the server if needed, then runs a simulated fleet against it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prerequisites.sh
npx turbo run build --filter=@vigil/web --output-logs=errors-only >&2
exec node --import tsx apps/web/bench/fleet.ts "$@"
