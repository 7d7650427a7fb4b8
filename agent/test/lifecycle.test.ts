import { execFile, spawn } from "node:child_process";
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
