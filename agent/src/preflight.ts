import { existsSync } from "node:fs";
import { env, sensorBuilt } from "./env";

/** What stops the sensor from running here, as a paragraph saying how to fix it; null when nothing does. */
export function sensorBlocker(): string | null {
  if (process.geteuid?.() !== 0) {
    return (
      "vigil-agent: the sensor must run as root. It loads eBPF programs into the kernel, which needs CAP_BPF and " +
      "CAP_PERFMON (or CAP_SYS_ADMIN). Run it with sudo, e.g. `sudo agent/bin/vigil-agent tail --json`. " +
      "`vigil-agent doctor` works without root and tells what this host supports."
    );
  }
  if (!existsSync("/sys/kernel/btf/vmlinux")) {
    return (
      "vigil-agent: this kernel has no BTF (/sys/kernel/btf/vmlinux is missing). The sensor needs BTF to run one " +
      "binary on every kernel; boot a kernel built with CONFIG_DEBUG_INFO_BTF=y (stock Debian, Ubuntu, Fedora and " +
      "RHEL kernels are)."
    );
  }
  if (!sensorBuilt()) {
    return (
      `vigil-agent: the sensor is not built (${env.sensorPath} is missing). Build it with \`make -C bpf\` ` +
      "(needs the Debian packages clang, llvm, libbpf-dev, bpftool, libelf-dev, zlib1g-dev, pkg-config), or run " +
      "`npm test`, which installs them and builds it. VIGIL_SENSOR may point at a sensor built elsewhere."
    );
  }
  return null;
}
