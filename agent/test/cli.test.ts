import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentBin } from "./harness";

const nobody = { uid: 65534, gid: 65534 };

function agent(args: string[], options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(agentBin, args, { encoding: "utf8", timeout: 60_000, ...options });
}

describe("vigil-agent when something is missing", () => {
  it("tail without root: one paragraph naming the fix, exit code 2, no stack trace", () => {
    const result = agent(["tail", "--json"], nobody);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/must run as root/);
    expect(result.stderr).toMatch(/sudo/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  it("tail without a built sensor says how to build it, exit code 2", () => {
    const result = agent(["tail"], { env: { ...process.env, VIGIL_SENSOR: "/nonexistent/vigil-sensor" } });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/sensor is not built .*make -C bpf/s);
  });

  it("run without a server, or not enrolled and without a token: says what to pass, exit code 2", () => {
    const noServer = agent(["run"], { env: { ...process.env, VIGIL_SERVER: "" } });
    expect(noServer.status).toBe(2);
    expect(noServer.stderr).toMatch(/--server URL \(or VIGIL_SERVER\) is required/);
    const dataDir = mkdtempSync(join(tmpdir(), "vigil-agent-"));
    const noToken = agent(["run", "--server", "http://127.0.0.1:9", "--data-dir", dataDir]);
    rmSync(dataDir, { recursive: true, force: true });
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toMatch(/not enrolled with http:\/\/127\.0\.0\.1:9: pass --enroll-token/);
    expect(noToken.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses an unknown mode with the choices", () => {
    const result = agent(["tail", "--mode", "kprobe"]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/kprobe.*auto, lsm, tracepoint/s);
  });
});

describe("vigil-agent doctor", () => {
  it("as root: reports the kernel, BTF, the LSM list and the mode it picks, and why", () => {
    const result = agent(["doctor", "--json"]);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      checks: { name: string; ok: boolean; detail: string }[];
    };
    const check = (name: string) => report.checks.find((c) => c.name === name);
    expect(report.ok).toBe(true);
    expect(check("btf")?.ok).toBe(true);
    expect(check("lsm")?.detail).toMatch(/active LSMs: .*bpf/);
    expect(check("mode")?.detail).toMatch(/^tracepoint: observe-only tracepoint mode: .+/);
  });

  it("without root: still reports, says it needs root to probe, exit code 2", () => {
    const result = agent(["doctor"], nobody);
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/FAIL\s+root/);
    expect(result.stdout).toMatch(/kernel\s+\d+\.\d+/);
    expect(result.stdout).toMatch(/needs root/);
  });
});
