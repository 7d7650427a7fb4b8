import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { FrameReader } from "../src/decode/frames";
import { decodeRecord, type KernelRecord } from "../src/decode/records";
import { repoRoot } from "./harness";

const run = promisify(execFile);

function between(text: string, begin: string, end: string): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from);
  if (from === -1 || to === -1)
    throw new Error(`the VM did not print ${begin}..${end}:\n${text.slice(-3000)}`);
  return text.slice(from + begin.length, to);
}

// The KRSI path cannot load on this machine (trampolines are blocked): a Debian kernel with lsm=...,bpf under QEMU.
describe("LSM mode in a VM booted with the BPF LSM", () => {
  let console = "";
  const records: KernelRecord[] = [];
  const badFrames: string[] = [];

  beforeAll(async () => {
    const { stdout } = await run("bash", [join(repoRoot, "bpf", "test", "vm", "run.sh")], {
      maxBuffer: 64 << 20,
      timeout: 400_000,
    });
    console = stdout.replaceAll("\r", "");
    const reader = new FrameReader({
      record: (buf, start, end) => records.push(decodeRecord(buf, start, end)),
      error: (error) => badFrames.push(error),
    });
    reader.push(Buffer.from(between(console, "VIGIL-FRAMES-BEGIN", "VIGIL-FRAMES-END"), "base64"));
    reader.end();
  }, 420_000);

  it("picks lsm mode because the canary hook fired", () => {
    expect(console).toMatch(/VIGIL-LSM-LIST .*\bbpf\b/);
    expect(console).toMatch(/VIGIL-PROBE \{"mode":"lsm","reason":"BPF LSM active .*canary fired"\}/);
    expect(records[0]).toMatchObject({ kind: "hello", mode: "lsm" });
    expect(badFrames).toEqual([]);
  });

  it("reports an exec with its exe and argv", () => {
    expect(records).toContainEqual(
      expect.objectContaining({
        kind: "exec",
        exe: { path: "/tmp/busybox-probe", detached: false },
        argv: ["/tmp/busybox-probe", "true"],
      }),
    );
  });

  it("reports the deletion of a running binary, and of no idle one", () => {
    const victim = Number(between(console, "VIGIL-VICTIM ", "\n"));
    const unlinks = records.filter((r) => r.kind === "unlink");
    expect(unlinks).toEqual([
      expect.objectContaining({
        op: "unlink",
        inodeKnown: true,
        pathWalked: true,
        path: "/busybox-victim", // walked to the root of the VM's /tmp, a tmpfs
        running: 1,
        result: 0,
      }),
    ]);
    expect(victim).toBeGreaterThan(0);
  });

  it("reports the ptrace attach and the open of /proc/PID/mem for writing", () => {
    const attacker = records.find((r) => r.kind === "exec" && r.exe.path === "/attacker");
    expect(attacker).toBeDefined();
    const pid = attacker?.header.pid;
    expect(records).toContainEqual(
      expect.objectContaining({ kind: "ptrace", request: 16n, header: expect.objectContaining({ pid }) }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        kind: "mem_write",
        method: "proc_mem",
        atOpen: true,
        header: expect.objectContaining({ pid }),
      }),
    );
  });

  it("reports forks and exits in LSM mode too (the process table needs them)", () => {
    expect(records.some((r) => r.kind === "fork")).toBe(true);
    expect(records.some((r) => r.kind === "exit")).toBe(true);
  });

  it("counted every record it emitted and dropped none", () => {
    const stats = records.filter((r) => r.kind === "stats").at(-1);
    expect(stats?.kind === "stats" && stats.dropped.every((n) => n === 0n)).toBe(true);
  });
});
