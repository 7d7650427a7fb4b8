# Sourced by test.sh and up.sh: installs the Debian packages the sensor build needs (as root) and the npm modules.
# shellcheck shell=bash

export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 # no network here beyond the npm registry

step() { printf '==> %s\n' "$*"; }

debian_packages=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc g++ python3)

install_debian_packages() {
  local missing=() pkg status
  for pkg in "${debian_packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$pkg")
  done
  ((${#missing[@]} > 0)) || return 0
  if [[ $EUID -ne 0 ]]; then
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them as root with: apt-get update && apt-get install -y ${missing[*]}" >&2
    return 2
  fi
  step "installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_npm_modules() {
  if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    step "npm ci"
    npm ci --no-audit --no-fund
  fi
}
