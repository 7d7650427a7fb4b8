import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot, Tail } from "./harness";

const run = promisify(execFile);
const storm = join(repoRoot, "bpf", "build", "exec-storm");
const dir = mkdtempSync("/tmp/vigil-storm.");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function uniqueBinary(name: string): string {
  const path = join(dir, `${name}-${process.pid}`);
  copyFileSync("/bin/true", path);
  return path;
}

describe("exec storm on the real kernel", () => {
  it("reports exactly 20,000 execs of 20,000, with no drops", async () => {
    const exe = uniqueBinary("storm");
    const tail = await Tail.start();
    await run(storm, ["20000", exe]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const { events, summary } = await tail.stop();

    const ours = events.filter((e) => e.type === "exec" && e.process.exe === exe);
    expect(ours).toHaveLength(20_000);
    expect(new Set(ours.map((e) => e.id)).size).toBe(20_000);
    expect(new Set(ours.map((e) => e.process.pid)).size).toBe(20_000);
    expect(summary.kernel.dropped).toEqual({});
    expect(summary.events.exec).toBe(Number(summary.kernel.emitted.exec));
  }, 600_000);

  it("accounts for every exec a full ring buffer could not deliver", async () => {
    const exe = uniqueBinary("drops");
    const tail = await Tail.start(["--ringbuf-mb", "1"]);
    const sensor = await tail.sensorPid();
    process.kill(sensor, "SIGSTOP"); // nobody reads the ring buffer: it fills up
    try {
      await run(storm, ["5000", exe]);
    } finally {
      process.kill(sensor, "SIGCONT");
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const { events, summary } = await tail.stop();

    const seen = events.filter((e) => e.type === "exec" && e.process.exe === exe).length;
    const dropped = Number(summary.kernel.dropped.exec ?? 0);
    expect(seen).toBeLessThan(5000);
    expect(dropped).toBeGreaterThan(0);
    expect(seen + dropped).toBeGreaterThanOrEqual(5000); // drops are host-wide; ours are among them
    expect(summary.events.exec).toBe(Number(summary.kernel.emitted.exec));
  }, 300_000);
});
