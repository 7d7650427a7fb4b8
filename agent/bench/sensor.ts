// npm run bench:sensor [-- --json] [--rounds R] [--execs N]: exec throughput without and with `vigil-agent tail`.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const repoRoot = join(import.meta.dirname, "..", "..");
const storm = join(repoRoot, "bpf", "build", "exec-storm");
const agentBin = join(repoRoot, "agent", "bin", "vigil-agent");
const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    rounds: { type: "string", default: "7" },
    execs: { type: "string", default: "3000" },
    warmup: { type: "string", default: "3000" },
    workers: { type: "string", default: "2" },
  },
});
const rounds = Number(values.rounds);
const execs = Number(values.execs);
const warmupExecs = Number(values.warmup);
const workers = values.workers;
const clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));

if (process.geteuid?.() !== 0) {
  console.error("bench:sensor must run as root (the sensor loads eBPF programs): sudo npm run bench:sensor");
  process.exit(2);
}

const dir = mkdtempSync("/tmp/vigil-bench.");
const exe = join(dir, "bench-true");
copyFileSync("/bin/true", exe);
const log = (line: string) => process.stderr.write(`${line}\n`);

function execRate(count = execs): number {
  const out = execFileSync(storm, ["-j", workers, String(count), exe], { encoding: "utf8" });
  return (JSON.parse(out) as { per_second: number }).per_second;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime + stime
}

function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

type WithSensor = {
  rate: number;
  cpu: number;
  events: number;
  dropped: number;
  agentRssMb: number;
  sensorRssMb: number;
  startupCpu: number;
};

async function withSensor(): Promise<WithSensor> {
  const child = spawn(agentBin, ["tail", "--json"], {
    stdio: ["ignore", openSync("/dev/null", "w"), "pipe"],
  });
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
      if (/vigil-sensor: \w+ mode/.test(stderr)) resolve();
    });
    child.on("exit", () => reject(new Error(`vigil-agent exited early:\n${stderr}`)));
  });
  const agentPid = child.pid as number;
  const sensorPid = Number(
    execFileSync("pgrep", ["-P", String(agentPid), "vigil-sensor"], { encoding: "utf8" }),
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const startupCpu = cpuSeconds(agentPid) + cpuSeconds(sensorPid);
  // An agent runs for days: measure it warm (its JIT has compiled the hot path), as a host sees it.
  if (warmupExecs > 0) execRate(warmupExecs);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = cpuSeconds(agentPid) + cpuSeconds(sensorPid);
  const rate = execRate();
  await new Promise((resolve) => setTimeout(resolve, 1500)); // let the agent finish what the storm queued
  const cpu = cpuSeconds(agentPid) + cpuSeconds(sensorPid) - before;
  const agentRssMb = peakRssMb(agentPid);
  const sensorRssMb = peakRssMb(sensorPid);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.kill("SIGTERM");
  await exited;
  // The next run without the agent starts on a quiet host: the sensor gone, its programs and maps freed.
  while (existsSync(`/proc/${sensorPid}`)) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const line = stderr.split("\n").find((l) => l.startsWith("vigil-agent: summary "));
  if (!line) throw new Error(`no summary from the agent:\n${stderr}`);
  const summary = JSON.parse(line.slice("vigil-agent: summary ".length)) as {
    events: Record<string, number>;
    kernel: { dropped: Record<string, string> };
  };
  const events = 3 * execs; // fork, exec and exit for each spawn in the timed storm (the kernel tests prove it)
  const dropped = Object.values(summary.kernel.dropped).reduce((a, b) => a + Number(b), 0);
  return { rate, cpu, events, dropped, agentRssMb, sensorRssMb, startupCpu };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

// Each run with the agent sits between two runs without it, and is compared with their mean: the speed of a shared
// host drifts by several per cent within a minute, and a drift that is linear in time cancels out of the sandwich.
const baseline: number[] = [];
const sensed: WithSensor[] = [];
try {
  log(
    `bench:sensor: ${rounds} rounds of ${execs} execs on ${workers} workers, each with the agent between two without`,
  );
  baseline.push(execRate());
  for (let round = 1; round <= rounds; round++) {
    sensed.push(await withSensor());
    baseline.push(execRate());
    const last = sensed.at(-1) as WithSensor;
    log(
      `  round ${round}/${rounds}: without ${baseline.at(-2)?.toFixed(0)}/s and ${baseline.at(-1)?.toFixed(0)}/s, ` +
        `with ${last.rate.toFixed(0)}/s, ${last.events} events, ` +
        `${((last.cpu / last.events) * 1e6).toFixed(1)} us CPU/event, ${last.dropped} dropped`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const sandwichRatios = sensed.map(
  (s, i) => s.rate / (((baseline[i] as number) + (baseline[i + 1] as number)) / 2),
);

const result = {
  execsPerRound: execs,
  rounds,
  withoutPerSecond: median(baseline),
  withPerSecond: median(sensed.map((s) => s.rate)),
  ratio: median(sandwichRatios),
  ratioOfMedians: median(sensed.map((s) => s.rate)) / median(baseline),
  cpuUsPerEvent: median(sensed.map((s) => (s.cpu / s.events) * 1e6)),
  agentPeakRssMb: Math.max(...sensed.map((s) => s.agentRssMb)),
  sensorPeakRssMb: Math.max(...sensed.map((s) => s.sensorRssMb)),
  eventsPerRound: 3 * execs,
  agentStartupCpuSeconds: median(sensed.map((s) => s.startupCpu)),
  dropped: sensed.reduce((sum, s) => sum + s.dropped, 0),
  targets: { ratio: ">= 0.95", cpuUsPerEvent: "<= 20", agentPeakRssMb: "<= 150", dropped: "0" },
};
const met = {
  ratio: result.ratio >= 0.95,
  cpuUsPerEvent: result.cpuUsPerEvent <= 20,
  agentPeakRssMb: result.agentPeakRssMb <= 150,
  dropped: result.dropped === 0,
};
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
if (values.json) {
  process.stdout.write(`${JSON.stringify({ ...result, met })}\n`);
} else {
  process.stdout.write(
    `exec throughput: ${result.withoutPerSecond.toFixed(0)}/s without, ${result.withPerSecond.toFixed(0)}/s with ` +
      `the agent: ratio ${result.ratio.toFixed(3)} (target >= 0.95: ${verdict(met.ratio)})\n` +
      `agent + sensor CPU: ${result.cpuUsPerEvent.toFixed(1)} us per event, warm (target <= 20: ${verdict(met.cpuUsPerEvent)}); ` +
      `start-up ${result.agentStartupCpuSeconds.toFixed(2)} s\n` +
      `peak RSS: agent ${result.agentPeakRssMb.toFixed(0)} MB (target <= 150: ${verdict(met.agentPeakRssMb)}), ` +
      `sensor ${result.sensorPeakRssMb.toFixed(0)} MB\n` +
      `dropped: ${result.dropped} (target 0: ${verdict(met.dropped)})\n`,
  );
}
