#!/usr/bin/env bash
# Boots a Debian kernel with the BPF LSM active under QEMU (software emulation, no KVM) and runs the LSM-mode
# sensor inside it with the policy generations in build/vm/plans (written by suite.ts): prints the VM's serial
# console, where init reports the actions' outcomes, the sensor's log and its framed stream.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
work=build/vm
mkdir -p "$work"
say() { printf '==> %s\n' "$*" >&2; }

need=()
for pkg in qemu-system-x86 busybox-static cpio; do
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) == installed ]] || need+=("$pkg")
done
if ((${#need[@]})); then
  [[ $EUID -eq 0 ]] || { echo "missing Debian packages: ${need[*]} (apt-get install ${need[*]})" >&2; exit 2; }
  say "installing ${need[*]}"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi

kernel=$(ls "$work"/vmlinuz-* 2>/dev/null | head -1 || true)
if [[ -z $kernel ]]; then
  pkg=$(apt-cache depends linux-image-6.12-cloud-amd64 | awk '/Depends: linux-image-6.12/ {print $2; exit}')
  [[ -n $pkg ]] || { echo "no linux-image-6.12-cloud-amd64 in the apt sources; run apt-get update" >&2; exit 2; }
  say "downloading $pkg"
  (cd "$work" && apt-get download -q "$pkg" >&2 2>/dev/null)
  dpkg-deb --fsys-tarfile "$work"/linux-image-*.deb | tar -x -C "$work" --wildcards './boot/vmlinuz-*'
  mv "$work"/boot/vmlinuz-* "$work"/ && rm -rf "$work"/boot "$work"/linux-image-*.deb
  kernel=$(ls "$work"/vmlinuz-* | head -1)
fi

say "building the initramfs"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev,tmp,lib64,lib/x86_64-linux-gnu}
cp /bin/busybox "$root/bin/busybox"
cp build/vigil-sensor "$root/vigil-sensor"
for lib in $(ldd build/vigil-sensor | grep -o '/lib[^ ]*'); do cp "$lib" "$root$lib"; done
gcc -O2 -static -no-pie -o "$root/probe" test/vm/probe.c
mkdir -p "$root/plans" && cp "$work"/plans/*.plan "$root/plans/"
install -m 0755 test/vm/init "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.gz"

say "booting $(basename "$kernel") with lsm=...,bpf under QEMU (no KVM: about a minute)"
timeout 300 qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp 2 -m 1G -nographic -no-reboot \
  -kernel "$kernel" -initrd "$work/initramfs.gz" \
  -append "console=ttyS0 panic=-1 rdinit=/init quiet lsm=landlock,lockdown,yama,bpf"
