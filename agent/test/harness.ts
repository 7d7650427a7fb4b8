import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { VigilEvent } from "@vigil/events";
import { parseEvent } from "@vigil/events";

export const repoRoot = join(import.meta.dirname, "..", "..");
export const agentBin = join(repoRoot, "agent", "bin", "vigil-agent");
const run = promisify(execFile);

export type TailResult = { events: VigilEvent[]; summary: TailSummary; stderr: string; code: number | null };
export type TailSummary = {
  mode: string;
  events: Record<string, number>;
  kernel: { emitted: Record<string, string>; dropped: Record<string, string> };
  badFrames: number;
};

/** `vigil-agent tail --json` as a user runs it; resolves once the sensor is attached. */
export class Tail {
  private stdout = "";
  stderr = "";
  private constructor(readonly child: ChildProcess) {}

  static async start(args: string[] = []): Promise<Tail> {
    const child = spawn(agentBin, ["tail", "--json", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const tail = new Tail(child);
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      tail.stdout += text;
    });
    await new Promise<void>((resolve, reject) => {
      child.stderr?.setEncoding("utf8").on("data", (text: string) => {
        tail.stderr += text;
        if (/vigil-sensor: \w+ mode/.test(tail.stderr)) resolve();
      });
      child.on("exit", (code) =>
        reject(new Error(`vigil-agent tail exited (${code}) before the sensor attached:\n${tail.stderr}`)),
      );
    });
    return tail;
  }

  /** The pid of the vigil-sensor process this agent spawned. */
  async sensorPid(): Promise<number> {
    const { stdout } = await run("pgrep", ["-P", String(this.child.pid), "vigil-sensor"]);
    return Number(stdout.trim());
  }

  async stop(): Promise<TailResult> {
    const exited = new Promise<number | null>((resolve) => this.child.on("exit", resolve));
    this.child.kill("SIGTERM");
    const code = await exited;
    const events = this.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const parsed = parseEvent(JSON.parse(line));
        if (!parsed.ok)
          throw new Error(`the agent printed an event outside the contract: ${parsed.error}\n${line}`);
        return parsed.event;
      });
    const summaryLine = this.stderr.split("\n").find((line) => line.startsWith("vigil-agent: summary "));
    if (!summaryLine) throw new Error(`no summary from vigil-agent:\n${this.stderr}`);
    const summary = JSON.parse(summaryLine.slice("vigil-agent: summary ".length)) as TailSummary;
    return { events, summary, stderr: this.stderr, code };
  }
}

export type Expectation = Record<string, unknown>;
export type ScenarioReport = { scenario: string; expect: Expectation[]; forbid?: Expectation[] };

export async function runScenario(path: string): Promise<ScenarioReport> {
  const { stdout } = await run(path, [], { maxBuffer: 1 << 20 });
  const line = stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(line) as ScenarioReport;
}

/** The shared attack scenarios when they are beside the checkout, else our copies, and then our own. */
export function scenarioFiles(): string[] {
  const shared = join(repoRoot, "..", "shared", "scenarios");
  const sharedDir = existsSync(shared) ? shared : join(repoRoot, "bpf", "test", "scenarios", "shared");
  const ours = join(repoRoot, "bpf", "test", "scenarios");
  return [sharedDir, ours].flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => /\.(sh|py)$/.test(name))
      .map((name) => join(dir, name)),
  );
}

function valueAt(event: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], event);
}

function fieldMatches(event: VigilEvent, [path, want]: [string, unknown]): boolean {
  return JSON.stringify(valueAt(event, path)) === JSON.stringify(want);
}

export function matches(event: VigilEvent, expectation: Expectation): boolean {
  return Object.entries(expectation).every((field) => fieldMatches(event, field));
}

/** The event closest to an expectation, to show what differed when none matches. */
export function nearest(events: VigilEvent[], expectation: Expectation): VigilEvent | undefined {
  const score = (e: VigilEvent) =>
    Object.entries(expectation).filter((field) => fieldMatches(e, field)).length;
  return events.reduce<VigilEvent | undefined>(
    (best, e) => (!best || score(e) > score(best) ? e : best),
    undefined,
  );
}
