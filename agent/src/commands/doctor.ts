import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { release } from "node:os";
import { env, sensorBuilt } from "../env";

type Check = { name: string; ok: boolean; detail: string; fix?: string };

const buildPackages = ["clang", "llvm", "libbpf-dev", "bpftool", "libelf-dev", "zlib1g-dev", "pkg-config"];

/** `vigil-agent doctor`: what this host offers the sensor, which mode it would pick and why. */
export function doctor(options: { json: boolean }): number {
  const root = process.geteuid?.() === 0;
  const lsms = readLsmList();
  const missing = missingPackages();
  const checks: Check[] = [
    { name: "kernel", ok: true, detail: release() },
    {
      name: "btf",
      ok: existsSync("/sys/kernel/btf/vmlinux"),
      detail: existsSync("/sys/kernel/btf/vmlinux") ? "/sys/kernel/btf/vmlinux present" : "no kernel BTF",
      fix: "boot a kernel built with CONFIG_DEBUG_INFO_BTF=y",
    },
    {
      name: "root",
      ok: root,
      detail: root ? "running as root" : `running as uid ${process.geteuid?.()}`,
      fix: "run the agent as root (sudo): loading eBPF needs CAP_BPF + CAP_PERFMON or CAP_SYS_ADMIN",
    },
    {
      name: "lsm",
      ok: lsms?.includes("bpf") ?? false,
      detail: lsms
        ? `active LSMs: ${lsms.join(",")}`
        : "cannot read /sys/kernel/security/lsm (securityfs not mounted)",
      fix: lsms
        ? `to enforce, boot with lsm=${lsms.join(",")},bpf`
        : "run doctor as root: it mounts securityfs",
    },
    {
      name: "build tools",
      ok: missing.length === 0,
      detail: missing.length === 0 ? "clang, bpftool and libbpf present" : `missing: ${missing.join(" ")}`,
      fix: `apt-get install -y ${missing.join(" ")}`,
    },
    {
      name: "sensor",
      ok: sensorBuilt(),
      detail: sensorBuilt() ? env.sensorPath : `${env.sensorPath} not built`,
      fix: "make -C bpf (or npm test)",
    },
    modeCheck(root),
  ];
  const usable = checks.find((c) => c.name === "mode")?.ok ?? false;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok: usable, checks })}\n`);
  } else {
    for (const check of checks) {
      const fix = !check.ok && check.fix ? `\n      fix: ${check.fix}` : "";
      process.stdout.write(`${check.ok ? "ok  " : "FAIL"}  ${check.name.padEnd(12)} ${check.detail}${fix}\n`);
    }
  }
  return usable ? 0 : 2;
}

function modeCheck(root: boolean): Check {
  if (!root || !sensorBuilt()) {
    return {
      name: "mode",
      ok: false,
      detail: "unknown: needs root and a built sensor to probe",
      fix: "sudo vigil-agent doctor",
    };
  }
  const probe = spawnSync(env.sensorPath, ["--probe"], { encoding: "utf8", timeout: 30_000 });
  try {
    const { mode, reason } = JSON.parse(probe.stdout) as { mode: string; reason: string };
    return {
      name: "mode",
      ok: mode !== "none",
      detail: `${mode}: ${reason}`,
      fix: "run with --verbose for details",
    };
  } catch {
    return {
      name: "mode",
      ok: false,
      detail: `the sensor probe failed: ${probe.stderr.trim() || probe.error}`,
    };
  }
}

function readLsmList(): string[] | null {
  try {
    return readFileSync("/sys/kernel/security/lsm", "utf8").trim().split(",");
  } catch {
    return null;
  }
}

function missingPackages(): string[] {
  return buildPackages.filter((pkg) => {
    try {
      return (
        execFileSync("dpkg-query", ["-W", `-f=\${db:Status-Status}`, pkg], { encoding: "utf8" }) !==
        "installed"
      );
    } catch {
      return true;
    }
  });
}
