import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { agentBin, Tail } from "./harness";

const run = promisify(execFile);

async function gone(pid: number, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 10; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function attachedPrograms(): Promise<string> {
  const { stdout } = await run("bpftool", ["prog", "show"]);
  return stdout;
}

describe("the sensor's lifetime", () => {
  it("stops and detaches when its agent is killed with SIGKILL", async () => {
    const tail = await Tail.start();
    const sensor = await tail.sensorPid();
    expect(await attachedPrograms()).toMatch(/name on_exec/);
    tail.child.kill("SIGKILL");
    expect(await gone(sensor, 5)).toBe(true);
  });

  it("runs as nobody with only CAP_BPF and CAP_DAC_READ_SEARCH once loaded, and cannot gain more", async () => {
    const tail = await Tail.start();
    try {
      const sensor = await tail.sensorPid();
      // the drop comes right after loading, before the first record: wait for it rather than race it
      let status = "";
      for (let i = 0; i < 50 && !/^Uid:\s+65534/m.test(status); i++) {
        status = readFileSync(`/proc/${sensor}/status`, "utf8");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const field = (name: string) => status.match(new RegExp(`^${name}:\\s+(.*)$`, "m"))?.[1];
      expect(field("Uid")?.split(/\s+/)).toEqual(["65534", "65534", "65534", "65534"]);
      expect(field("Gid")?.split(/\s+/)).toEqual(["65534", "65534", "65534", "65534"]);
      const bpfAndSearch = ((1n << 39n) | (1n << 2n)).toString(16).padStart(16, "0");
      for (const set of ["CapPrm", "CapEff", "CapBnd"]) expect(field(set), set).toBe(bpfAndSearch);
      expect(field("CapAmb")).toBe("0000000000000000");
      expect(field("NoNewPrivs")).toBe("1");
    } finally {
      tail.child.kill("SIGTERM");
    }
  });

  it("ends `tail --json | head -1` after the first event", async () => {
    const pipeline = spawn("bash", ["-c", `${agentBin} tail --json | head -1`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    pipeline.stdout.setEncoding("utf8").on("data", (text: string) => {
      out += text;
    });
    const exited = new Promise<number | null>((resolve) => pipeline.on("exit", resolve));
    const ticker = setInterval(() => spawn("/bin/true"), 200); // something to report
    try {
      expect(await exited).toBe(0);
    } finally {
      clearInterval(ticker);
    }
    expect(JSON.parse(out)).toHaveProperty("type");
  });
});
