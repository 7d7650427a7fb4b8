// npm run bench:fleet [-- --json] [--hosts 500] [--rate 40] [--seconds 60]: a simulated fleet against one server.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { percentile, SimulatedFleet } from "../fleet-sim/fleet";
import { dataDir, freePort, startServer } from "../test/processes";

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
const clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** The Next.js server is a child of the vigil-server script's `next start`: the node process listening on the port. */
function serverPid(port: number): number {
  const out = execFileSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" });
  const pid = /pid=(\d+)/.exec(out)?.[1];
  if (!pid) throw new Error(`no process listens on port ${port}`);
  return Number(pid);
}

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;

const data = dataDir();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = await startServer(data.dir, port);
try {
  const pid = serverPid(port);
  log(
    `bench:fleet: ${hosts} simulated hosts at ${rate} events/s each (${(hosts * rate).toLocaleString()}/s in all)`,
  );
  const fleet = await SimulatedFleet.start({
    server: base,
    enrollToken: data.enrollToken,
    hosts,
    rate,
    prefix: "bench",
    lsmShare: 0.5,
    shipS: 1,
    heartbeatS: 10,
    progress: log,
  });
  await new Promise((r) => setTimeout(r, warmupS * 1000));
  fleet.resetLatencies();
  const start = fleet.totals();
  const cpuStart = cpuSeconds(pid);
  const startedMs = Date.now();
  const pageMs: number[] = [];
  let peakRss = rssMb(pid);
  // The fleet page as the console asks for it, once a second, timed at the client (server time + loopback).
  const input = encodeURIComponent(JSON.stringify({ sort: "name", limit: 100 }));
  while (Date.now() - startedMs < seconds * 1000) {
    const t0 = performance.now();
    const response = await fetch(`${base}/api/trpc/hosts.list?input=${input}`, {
      headers: { authorization: `Bearer ${data.apiToken}` },
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`the fleet page answered ${response.status}`);
    pageMs.push(performance.now() - t0);
    peakRss = Math.max(peakRss, rssMb(pid));
    await new Promise((r) => setTimeout(r, 1000));
    const t = fleet.totals();
    if (pageMs.length % 10 === 0)
      log(
        `  ${pageMs.length} s: ${(t.accepted - start.accepted).toLocaleString()} events, backlog ${t.backlog.toLocaleString()}`,
      );
  }
  const elapsedS = (Date.now() - startedMs) / 1000;
  const end = fleet.totals();
  const cpu = cpuSeconds(pid) - cpuStart;
  await fleet.stop();
  const result = {
    hosts,
    offeredEventsPerS: hosts * rate,
    seconds: Math.round(elapsedS),
    ingest_events_per_s: Math.round((end.accepted - start.accepted) / elapsedS),
    batch_p95_ms: Math.round(percentile(end.batchMs, 95)),
    freshness_p99_ms: Math.round(percentile(end.freshnessMs, 99)),
    fleet_page_p95_ms: Math.round(percentile(pageMs, 95)),
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
  await server.stop();
  data.cleanup();
}
