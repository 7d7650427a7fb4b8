#!/usr/bin/env bash
# Replaces a running binary by renaming another file over it (what `mv -f` and package managers do).
set -euo pipefail
dir=$(mktemp -d /tmp/scn-rename.XXXXXX)
cp /bin/sleep "$dir/victim"
cp /bin/true "$dir/replacement"
"$dir/victim" 30 &
victim=$!
sleep 0.3
mv -f "$dir/replacement" "$dir/victim" &
mvpid=$!
wait "$mvpid"
kill "$victim" 2>/dev/null || true
wait "$victim" 2>/dev/null || true
rm -rf "$dir"
printf '{"scenario":"rename-over-running","expect":[{"type":"unlink_running","file.path":"%s","process.pid":%d,"running.pids":[%d]}]}\n' \
  "$dir/victim" "$mvpid" "$victim"
