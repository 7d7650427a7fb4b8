#!/usr/bin/env bash
# Installs the Vigil agent from this checkout as the systemd service vigil-agent. See --help.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=/opt/vigil
env_file=/etc/vigil/agent.env
unit=vigil-agent.service

usage() {
  cat <<EOF
usage: sudo deploy/install-agent.sh --server URL --enroll-token TOKEN

Installs the Vigil agent on this Debian (12 or newer) or Ubuntu (24.04 or newer) host as the systemd service
$unit, and starts it:
  - installs the Debian packages the sensor needs (clang, libbpf, bpftool, ...);
  - builds the sensor and the agent in this checkout ($root) and copies them to $prefix;
  - writes $env_file (mode 0600): the server URL and the enrollment token;
  - installs /etc/systemd/system/$unit, enables and (re)starts it.
Running it again updates the agent and its settings; other lines in $env_file (VIGIL_AGENT_ARGS) are kept.

  --server URL           the Vigil server, e.g. https://vigil.example:3000 (for a private certificate
                         authority add VIGIL_CA_FILE=/path/ca.pem to $env_file; plaintext http:// to another
                         host is refused unless it has VIGIL_ALLOW_PLAINTEXT=1)
  --enroll-token TOKEN   an enrollment token (vge_...; an admin creates one in the console or with
                         'vigil enroll-token create'); used once, then the agent has its own credential
  -h, --help             this help

Needs Node.js 20 or newer (node on PATH): Debian 13 has it (apt-get install nodejs npm); elsewhere use
NodeSource's packages or another install of Node 20+.
EOF
}

die() {
  echo "install-agent: $*" >&2
  exit 1
}
usage_error() {
  echo "install-agent: $*" >&2
  echo "usage: sudo deploy/install-agent.sh --server URL --enroll-token TOKEN (--help for more)" >&2
  exit 2
}

server='' token=''
while (($# > 0)); do
  case $1 in
  -h | --help)
    usage
    exit 0
    ;;
  --server | --enroll-token)
    (($# >= 2)) || usage_error "$1 needs a value"
    if [[ $1 == --server ]]; then server=$2; else token=$2; fi
    shift 2
    ;;
  --server=*) server=${1#*=} && shift ;;
  --enroll-token=*) token=${1#*=} && shift ;;
  *) usage_error "unknown argument: $1" ;;
  esac
done
[[ -n $server ]] || usage_error "--server URL is required"
[[ -n $token ]] || usage_error "--enroll-token TOKEN is required"
# Both go into an environment file: nothing that systemd would read as quoting or escapes.
if [[ ! $server =~ ^https?://[[:graph:]]+$ || $server == *[\"\'\\\`\$]* ]]; then
  usage_error "--server must be an http:// or https:// URL without quotes, backslashes or \$, got '$server'"
fi
[[ $token =~ ^vge_[[:alnum:]_.~+/=-]+$ ]] || usage_error "--enroll-token must be an enrollment token (vge_...)"

[[ $EUID -eq 0 ]] || die "must run as root (it installs packages and a system service): sudo $0 ..."
if [[ ! -d /run/systemd/system ]] || ! command -v systemctl >/dev/null; then
  die "this host is not running systemd; start the agent another way (README, 'Agents')"
fi
if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
  die "this installer is for Debian and Ubuntu (apt-get and dpkg are missing)"
fi
[[ -r /sys/kernel/btf/vmlinux ]] ||
  die "this kernel has no BTF (/sys/kernel/btf/vmlinux); the sensor needs a kernel built with CONFIG_DEBUG_INFO_BTF=y"

cd "$root"
# shellcheck source=scripts/prerequisites.sh
source scripts/prerequisites.sh

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if (($(node_major) < 20)); then
  candidate=$(apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: *\([0-9]*\).*/\1/p')
  if ((${candidate:-0} >= 20)); then
    step "installing nodejs $candidate"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm
  fi
  (($(node_major) >= 20)) || die "needs Node.js 20 or newer on PATH (found: $(node --version 2>/dev/null || echo none));" \
    "this distribution's nodejs is older: install Node 20+ (e.g. NodeSource's nodejs package) and run this again"
fi
node=$(readlink -f "$(command -v node)")

# Ubuntu before 25.04 has no bpftool package: its bpftool comes with the running kernel's tools.
if ! dpkg-query -W bpftool >/dev/null 2>&1 && ! apt-cache show bpftool >/dev/null 2>&1; then
  packages=()
  for pkg in "${debian_packages[@]}"; do [[ $pkg == bpftool ]] || packages+=("$pkg"); done
  debian_packages=("${packages[@]}" linux-tools-common "linux-tools-$(uname -r)")
fi
install_debian_packages

# The build runs as the checkout's owner, so it leaves no root-owned files in someone's working tree.
owner=$(stat -c %U "$root")
build=(bash -c 'source scripts/prerequisites.sh && install_npm_modules && make -s -C bpf build/vigil-sensor &&
  node agent/build.mjs')
step "building the sensor and the agent in $root"
if [[ $owner == root || $owner == UNKNOWN ]]; then
  "${build[@]}"
else
  runuser -u "$owner" -- env HOME="$(getent passwd "$owner" | cut -d: -f6)" PATH="$PATH" "${build[@]}"
fi

# Staged beside the running copy and swapped in, so the running agent never sees its sensor's file deleted.
step "installing to $prefix"
mkdir -p "$(dirname "$prefix")"
staging=$(mktemp -d "$prefix.new.XXXXXX")
trap 'rm -rf "$staging"' EXIT
chmod 0755 "$staging"
deploy/stage-agent.sh "$staging"
mkdir -p "$staging/bin"
ln -s "$node" "$staging/bin/node"
old=
if [[ -e $prefix ]]; then
  old=$prefix.old.$$
  mv "$prefix" "$old"
fi
mv "$staging" "$prefix"
trap - EXIT

step "writing $env_file"
install -d -m 0755 "$(dirname "$env_file")"
kept=()
if [[ -f $env_file ]]; then
  mapfile -t kept < <(grep -v -e '^VIGIL_SERVER=' -e '^VIGIL_ENROLL_TOKEN=' -e '^#' -e '^$' "$env_file" || true)
fi
((${#kept[@]} > 0)) || kept=("VIGIL_AGENT_ARGS=")
(
  umask 077
  {
    echo "# vigil-agent.service's settings (README, 'Running the agent as a service'); written by install-agent.sh"
    echo "VIGIL_SERVER=$server"
    echo "VIGIL_ENROLL_TOKEN=$token"
    printf '%s\n' "${kept[@]}"
  } >"$env_file.tmp"
)
mv "$env_file.tmp" "$env_file"

step "installing and starting $unit"
install -m 0644 deploy/vigil-agent.service "/etc/systemd/system/$unit"
systemctl daemon-reload
systemctl enable --quiet "$unit"
systemctl restart "$unit"
[[ -z $old ]] || rm -rf "$old"
sleep 3
if ! systemctl is-active --quiet "$unit"; then
  journalctl -u "$unit" -n 20 --no-pager >&2 || true
  die "$unit did not stay up (above: its last log lines)"
fi
step "vigil-agent is running: 'systemctl status $unit', 'journalctl -u $unit -f'"
