#!/usr/bin/env bash
# npm run bench:ingest [-- --json]: builds the server if needed, then compares raw inserts with the agent API.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prerequisites.sh
npx turbo run build --filter=@vigil/web --output-logs=errors-only >&2
exec node --import tsx apps/web/bench/ingest.ts "$@"
