// npm run bench:fleet [-- --json] [--hosts 500] [--rate 40] [--seconds 60]: a simulated fleet against one server.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { percentile } from "../fleet-sim/fleet";
import { dataDir, freePort, startServer } from "../test/processes";
import { cpuSeconds, rssMb } from "./process-stats";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    hosts: { type: "string", default: "500" },
    rate: { type: "string", default: "40" },
    seconds: { type: "string", default: "60" },
    warmup: { type: "string", default: "15" },
  },
});
const hosts = Number(values.hosts);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const warmupS = Number(values.warmup);
const log = (line: string) => process.stderr.write(`${line}\n`);

type Totals = {
  hosts: number;
  accepted: number;
  backlog: number;
  retries: number;
  failures: number;
  batchP95Ms: number;
  freshnessP99Ms: number;
};

/** The simulated fleet in a process of its own, so that its work does not delay the measurements taken here. */
function startFleet(server: string, enrollToken: string) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "..", "fleet-sim", "cli.ts"), "--json"].concat(
      ["--server", server, "--enroll-token", enrollToken, "--hosts", String(hosts), "--rate", String(rate)],
      ["--prefix", "bench", "--lsm-share", "0.5"],
    ),
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let last: Totals | null = null;
  const waiting: ((t: Totals) => void)[] = [];
  let buffered = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    buffered += text;
    for (let at = buffered.indexOf("\n"); at >= 0; at = buffered.indexOf("\n")) {
      last = JSON.parse(buffered.slice(0, at)) as Totals;
      buffered = buffered.slice(at + 1);
      for (const resolve of waiting.splice(0)) resolve(last);
    }
  });
  const next = () => new Promise<Totals>((resolve) => waiting.push(resolve));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    running: () => child.exitCode === null,
    /** forgets the latencies so far; answers the totals at that moment */
    reset: () => {
      const answer = next();
      child.kill("SIGUSR2");
      return answer;
    },
    stop: async () => {
      const answer = next();
      child.kill("SIGTERM");
      const totals = await answer;
      await exited;
      return totals;
    },
    last: () => last,
  };
}

const data = dataDir();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = await startServer(data.dir, port);
let fleet: ReturnType<typeof startFleet> | undefined;
try {
  const pid = server.child.pid as number;
  log(
    `bench:fleet: ${hosts} simulated hosts at ${rate} events/s each (${(hosts * rate).toLocaleString()}/s in all)`,
  );
  fleet = startFleet(base, data.enrollToken);
  // Enrolled and warmed up: every host has shipped and polled its policies for a while.
  while (fleet.running() && (fleet.last()?.accepted ?? 0) === 0) await new Promise((r) => setTimeout(r, 500));
  await new Promise((r) => setTimeout(r, warmupS * 1000));
  if (!fleet.running()) throw new Error("the simulated fleet stopped early");
  const start = await fleet.reset();
  const cpuStart = cpuSeconds(pid);
  const startedMs = Date.now();
  const pageMs: number[] = [];
  let pageFailures = 0;
  let peakRss = rssMb(pid);
  // The fleet page as the console asks for it, once a second: the server's answer time over loopback.
  const input = encodeURIComponent(JSON.stringify({ sort: "name", limit: 100 }));
  while (Date.now() - startedMs < seconds * 1000) {
    const t0 = performance.now();
    try {
      const response = await fetch(`${base}/api/trpc/hosts.list?input=${input}`, {
        headers: { authorization: `Bearer ${data.apiToken}` },
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`the fleet page answered ${response.status}`);
      pageMs.push(performance.now() - t0);
    } catch (error) {
      pageFailures++;
      log(`  the fleet page failed: ${(error as Error).message}`);
    }
    peakRss = Math.max(peakRss, rssMb(pid));
    await new Promise((r) => setTimeout(r, 1000));
  }
  const elapsedS = (Date.now() - startedMs) / 1000;
  const cpu = cpuSeconds(pid) - cpuStart;
  const end = await fleet.stop();
  const result = {
    hosts,
    offeredEventsPerS: hosts * rate,
    seconds: Math.round(elapsedS),
    ingest_events_per_s: Math.round((end.accepted - start.accepted) / elapsedS),
    batch_p95_ms: Math.round(end.batchP95Ms),
    freshness_p99_ms: Math.round(end.freshnessP99Ms),
    fleet_page_p95_ms: Math.round(percentile(pageMs, 95)),
    fleet_page_failures: pageFailures,
    backlog_growth: end.backlog - start.backlog,
    busy_retries: end.retries - start.retries,
    failures: end.failures,
    server_cpu_cores: Math.round((cpu / elapsedS) * 100) / 100,
    server_peak_rss_mb: Math.round(peakRss),
    targets: {
      freshness_p99_ms: "<= 2000",
      fleet_page_p95_ms: "<= 100",
      backlog_growth: "none (<= one second of events)",
    },
  };
  const met = {
    freshness_p99_ms: result.freshness_p99_ms <= 2000,
    fleet_page_p95_ms: result.fleet_page_p95_ms <= 100,
    backlog_growth: result.backlog_growth <= result.offeredEventsPerS,
  };
  if (values.json) process.stdout.write(`${JSON.stringify({ ...result, met })}\n`);
  else {
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    process.stdout.write(
      `ingest ${result.ingest_events_per_s.toLocaleString()}/s of ${result.offeredEventsPerS.toLocaleString()}/s offered; ` +
        `backlog grew by ${result.backlog_growth.toLocaleString()} (${verdict(met.backlog_growth)})\n` +
        `batch p95 ${result.batch_p95_ms} ms; freshness p99 ${result.freshness_p99_ms} ms (target <= 2000: ${verdict(met.freshness_p99_ms)})\n` +
        `fleet page p95 ${result.fleet_page_p95_ms} ms (target <= 100: ${verdict(met.fleet_page_p95_ms)})\n` +
        `server: ${result.server_cpu_cores} cores, peak RSS ${result.server_peak_rss_mb} MB; ` +
        `${result.busy_retries} busy retries, ${result.failures} failures\n`,
    );
  }
} finally {
  if (fleet?.running()) await fleet.stop();
  await server.stop();
  data.cleanup();
}
