#!/usr/bin/env bash
# npm run bench:console [-- --json] [--events N] [--data DIR]: seeds a store, then times the console's queries.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prerequisites.sh
npx turbo run build --filter=@vigil/web --output-logs=errors-only >&2
exec node --import tsx apps/web/bench/console.ts "$@"
