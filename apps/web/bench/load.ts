// npm run bench:load [-- --json] [--users U] [--think-ms T] [--events N]: the most the agent API ingests while U
// analysts page through events and open process views (each pausing T ms between requests, as people read; 0 for
// requests back to back), against each alone before and after, on the same server in the same run.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { dataDir, freePort, startServer } from "../test/processes";
import { agentBodies, enrollHosts, shipAll } from "./ship";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    users: { type: "string", default: "20" },
    "think-ms": { type: "string", default: "1000" },
    events: { type: "string", default: "1200000" },
  },
});
const USERS = Number(values.users);
const THINK_MS = Number(values["think-ms"]);
const AGENTS = 4;
const BATCH = 5000;
const batchesPerAgent = Math.ceil(Number(values.events) / BATCH / AGENTS);
const perRun = batchesPerAgent * AGENTS * BATCH;
const SEED_BATCHES = 25; // per agent: 500,000 events to page through before anything is measured
const CONSOLE_ALONE_MS = 20_000;
const log = (line: string) => process.stderr.write(`${line}\n`);

const data = dataDir();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = await startServer(data.dir, port);

type Times = { requests: number; p95: number; pageP95: number; deeperP95: number; processP95: number };

/** Runs `users` analysts (bench/analysts.ts, their own process) until `until` resolves; their request times. */
async function analysts(users: number, until: Promise<unknown>): Promise<Times> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "analysts.ts"),
      base,
      data.apiToken,
      String(users),
      String(THINK_MS),
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    out += text;
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  await until;
  child.stdin.end("stop\n");
  const code = await exited;
  if (code !== 0) throw new Error(`the analysts' process exited with ${code}`);
  return JSON.parse(out) as Times;
}

/** Ships one run of batches (numbered after the earlier runs) and returns events per second. */
let runs = 0;
async function ingest(credentials: string[]): Promise<number> {
  const bodies = agentBodies(AGENTS, batchesPerAgent, BATCH, SEED_BATCHES + runs * batchesPerAgent);
  runs += 1;
  const start = performance.now();
  await shipAll(base, server, credentials, bodies, BATCH, (shipped) => {
    if ((shipped / BATCH) % 40 === 0) log(`  ingest: ${shipped.toLocaleString()} events`);
  });
  return perRun / ((performance.now() - start) / 1000);
}

async function consoleOnly(): Promise<Times> {
  log(`  the analysts alone for ${CONSOLE_ALONE_MS / 1000} s`);
  const times = await analysts(USERS, new Promise((r) => setTimeout(r, CONSOLE_ALONE_MS)));
  log(`    ${times.requests} requests, p95 ${times.p95.toFixed(1)} ms`);
  return times;
}

async function ingestOnly(credentials: string[]): Promise<number> {
  log("  ingest alone");
  const rate = await ingest(credentials);
  log(`    ${Math.round(rate).toLocaleString()} events/s`);
  return rate;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
try {
  log(
    `bench:load: ${USERS} analysts (${THINK_MS} ms between requests), ingest of ${perRun.toLocaleString()} events from ${AGENTS} hosts per run`,
  );
  const credentials = await enrollHosts(base, data.enrollToken, AGENTS);
  log(`  seeding ${(SEED_BATCHES * AGENTS * BATCH).toLocaleString()} events`);
  await shipAll(base, server, credentials, agentBodies(AGENTS, SEED_BATCHES, BATCH), BATCH, () => {});
  await analysts(USERS, new Promise((r) => setTimeout(r, 3000))); // warm: compiled routes, caches

  // Ingest slows as the store grows (bigger indexes), and so may the console: each is measured alone before and
  // after the joint run, which stores the events in between, and compared with the mean of the two.
  const consoleAlone = [await consoleOnly()];
  const ingestAlone = [await ingestOnly(credentials)];
  log("  ingest and the analysts together");
  let ingestLoaded = 0;
  const both = ingest(credentials).then((rate) => {
    ingestLoaded = rate;
  });
  const consoleLoaded = await analysts(USERS, both);
  log(
    `    ${Math.round(ingestLoaded).toLocaleString()} events/s; ${consoleLoaded.requests} requests, p95 ${consoleLoaded.p95.toFixed(1)} ms`,
  );
  ingestAlone.push(await ingestOnly(credentials));
  consoleAlone.push(await consoleOnly());

  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const ingestUnloaded = mean(ingestAlone);
  const consoleUnloadedP95 = mean(consoleAlone.map((times) => times.p95));
  const result = {
    users: USERS,
    think_ms: THINK_MS,
    events_per_run: perRun,
    ingest_alone_per_s: Math.round(ingestUnloaded),
    ingest_loaded_per_s: Math.round(ingestLoaded),
    ingest_ratio: ingestLoaded / ingestUnloaded,
    console_alone_p95_ms: round1(consoleUnloadedP95),
    console_loaded_p95_ms: round1(consoleLoaded.p95),
    console_ratio: consoleLoaded.p95 / consoleUnloadedP95,
    ingest_alone_before_after_per_s: ingestAlone.map(Math.round),
    console_alone_before_after: consoleAlone,
    console_loaded: consoleLoaded,
    targets: { ingest_ratio: ">= 0.8", console_ratio: "<= 2" },
  };
  const met = { ingest: result.ingest_ratio >= 0.8, console: result.console_ratio <= 2 };
  if (values.json) process.stdout.write(`${JSON.stringify({ ...result, met })}\n`);
  else {
    const v = (ok: boolean) => (ok ? "met" : "NOT met");
    process.stdout.write(
      `ingest ${result.ingest_alone_per_s.toLocaleString()}/s alone (mean of before and after), ${result.ingest_loaded_per_s.toLocaleString()}/s ` +
        `with ${USERS} analysts: ratio ${result.ingest_ratio.toFixed(2)} (>= 0.8: ${v(met.ingest)})\n` +
        `console p95 ${result.console_alone_p95_ms} ms alone, ${result.console_loaded_p95_ms} ms during ingest: ` +
        `ratio ${result.console_ratio.toFixed(2)} (<= 2: ${v(met.console)})\n`,
    );
  }
} finally {
  await server.stop();
  data.cleanup();
}
