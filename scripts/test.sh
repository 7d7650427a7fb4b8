#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The build machines have no network beyond the npm registry; keep turbo from phoning home.
export TURBO_TELEMETRY_DISABLED=1

step() { printf '==> %s\n' "$*"; }

debian_packages=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc python3)

step "checking Debian packages"
missing=()
for pkg in "${debian_packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  if [[ $EUID -ne 0 ]]; then
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them as root with: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
  step "installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "make -C bpf"
make -C bpf

step "typecheck and test"
npx turbo run typecheck test --output-logs=new-only

step "lint"
npx biome check .

step "all checks passed"
