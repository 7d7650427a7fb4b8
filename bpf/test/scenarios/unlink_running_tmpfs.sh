#!/usr/bin/env bash
# Deletes a running binary on tmpfs, where no filesystem tracepoint sees the inode.
set -euo pipefail
dir=$(mktemp -d /tmp/scn-tmpfs.XXXXXX)
mount -t tmpfs scn-tmpfs "$dir"
cleanup() { umount "$dir" 2>/dev/null || true; rmdir "$dir"; }
trap cleanup EXIT
cp /bin/sleep "$dir/victim"
cp /bin/sleep "$dir/idle"
"$dir/victim" 30 &
victim=$!
sleep 0.3
rm "$dir/victim" "$dir/idle" &
rmpid=$!
wait "$rmpid"
kill "$victim" 2>/dev/null || true
wait "$victim" 2>/dev/null || true
printf '{"scenario":"unlink-running-tmpfs","expect":[{"type":"unlink_running","file.path":"%s","process.pid":%d,"running.pids":[%d]}],"forbid":[{"type":"unlink_running","file.path":"%s"}]}\n' \
  "$dir/victim" "$rmpid" "$victim" "$dir/idle"
