#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prerequisites.sh

step "checking Debian packages"
debian_packages+=(chromium)         # the console's browser tests (driven by playwright-core)
debian_packages+=(clickhouse-server) # the ClickHouse event store's tests run on a real server
install_debian_packages
install_npm_modules

step "make -C bpf"
make -C bpf

step "typecheck and test"
npx turbo run typecheck test --output-logs=new-only

step "enforcement suite: the BPF LSM in a QEMU VM"
npm run -s test:vm

step "chaos suite: kills, a full disk, a bad network, a wrong clock"
npm run -s test:chaos

step "deployment files: compose, Dockerfiles, systemd unit, install script"
bash scripts/test-deploy.sh

step "lint"
npx biome check .

step "all checks passed"
