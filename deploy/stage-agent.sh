#!/usr/bin/env bash
# stage-agent.sh DEST: copies the built agent out of this checkout into DEST (install-agent.sh: /opt/vigil; the
# agent image: the same). Only what runs: the launcher, the bundle, the sensor, and better-sqlite3, the one module
# the bundle loads from node_modules. The layout is the checkout's, so the bundle finds the sensor where it looks.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if (($# != 1)); then
  echo "usage: $0 DEST" >&2
  exit 2
fi
dest=$1
sqlite=node_modules/better-sqlite3
built=(agent/dist/vigil-agent.mjs bpf/build/vigil-sensor "$sqlite/build/Release/better_sqlite3.node")
for file in "${built[@]}"; do
  if [[ ! -f $root/$file ]]; then
    echo "stage-agent: $root/$file is missing: build first (npm ci && make -C bpf && npm run build -w agent)" >&2
    exit 2
  fi
done

mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
if [[ $dest == / || $dest == "$root" ]]; then
  echo "stage-agent: DEST must be a directory of its own, not $dest" >&2
  exit 2
fi
rm -rf "$dest/agent" "$dest/bpf" "$dest/node_modules" "$dest/packages"
install -D -m 0755 "$root/agent/bin/vigil-agent" "$dest/agent/bin/vigil-agent"
install -D -m 0644 "$root/agent/dist/vigil-agent.mjs" "$dest/agent/dist/vigil-agent.mjs"
install -D -m 0755 "$root/bpf/build/vigil-sensor" "$dest/bpf/build/vigil-sensor"
install -D -m 0644 "$root/$sqlite/package.json" "$dest/$sqlite/package.json"
install -D -m 0755 "$root/$sqlite/build/Release/better_sqlite3.node" "$dest/$sqlite/build/Release/better_sqlite3.node"
cp -R "$root/$sqlite/lib" "$dest/$sqlite/lib"
cp -R "$root/node_modules/bindings" "$root/node_modules/file-uri-to-path" "$dest/node_modules/"
# bin/vigil-agent rebuilds the bundle when anything in the agent's and the packages' sources is newer than it:
# here they are empty directories, as old as the bundle (find compares the directories themselves too).
sources=("$dest/agent/src")
for dir in "$root"/packages/*/src; do sources+=("$dest/${dir#"$root"/}"); done
mkdir -p "${sources[@]}"
touch -r "$dest/agent/dist/vigil-agent.mjs" "${sources[@]}"
# A module the bundle imports but nobody staged fails here, not on the host.
"$dest/agent/bin/vigil-agent" --help >/dev/null
