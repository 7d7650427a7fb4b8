#!/usr/bin/env bash
# Deletes running binaries through an overlayfs mount, as in a container: one copied up into the upper layer (the
# filesystem hook sees the upper inode, not the one executed) and one only in the lower layer (a whiteout, no unlink).
set -euo pipefail
dir=$(mktemp -d /tmp/scn-overlay.XXXXXX)
mkdir "$dir/lower" "$dir/upper" "$dir/work" "$dir/merged"
cp /bin/sleep "$dir/lower/in-lower"
cp /bin/sleep "$dir/lower/idle"
mount -t overlay scn-overlay -o "lowerdir=$dir/lower,upperdir=$dir/upper,workdir=$dir/work" "$dir/merged"
cleanup() { umount "$dir/merged" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
cp /bin/sleep "$dir/merged/in-upper"
"$dir/merged/in-upper" 30 &
upper_victim=$!
"$dir/merged/in-lower" 30 &
lower_victim=$!
sleep 0.3
(cd "$dir/merged" && exec rm in-upper) &
rm_upper=$!
wait "$rm_upper"
rm "$dir/merged/in-lower" "$dir/merged/idle" &
rm_lower=$!
wait "$rm_lower"
kill "$upper_victim" "$lower_victim" 2>/dev/null || true
wait "$upper_victim" "$lower_victim" 2>/dev/null || true
printf '{"scenario":"unlink-running-overlay","expect":[{"type":"unlink_running","file.path":"%s","process.pid":%d,"running.pids":[%d]},{"type":"unlink_running","file.path":"%s","process.pid":%d,"running.pids":[%d]}],"forbid":[{"type":"unlink_running","file.path":"%s"}]}\n' \
  "$dir/merged/in-upper" "$rm_upper" "$upper_victim" "$dir/merged/in-lower" "$rm_lower" "$lower_victim" "$dir/merged/idle"
