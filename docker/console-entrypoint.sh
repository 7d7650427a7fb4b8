#!/usr/bin/env bash
# The console image's start: the first admin and an enrollment token when the data directory is new (as
# `npm run up` does; the generated password is printed once, in the container's log), then the server.
set -euo pipefail
cd /app
apps/cli/bin/vigil --data-dir "$VIGIL_DATA_DIR" bootstrap
# The agent service reads the token from a volume of its own, not from the console's data directory.
if [[ -n ${VIGIL_ENROLL_TOKEN_SHARE:-} ]]; then
  install -m 0600 "$VIGIL_DATA_DIR/enroll-token" "$VIGIL_ENROLL_TOKEN_SHARE"
fi
unset VIGIL_ADMIN_PASSWORD
exec apps/web/bin/vigil-server -H 0.0.0.0 -p "${PORT:-3000}" "$@"
