// npm run bench:console [-- --json] [--events N] [--hosts H] [--data DIR]: the console's queries on a big store.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  AlertRecorder,
  backtest,
  createCaller,
  createUser,
  SignInThrottle,
  sessionUser,
  signIn,
} from "@vigil/api";
import {
  EventWriter,
  hosts as hostsTable,
  openStore,
  queryEvents,
  Rollups,
  SqliteEventStore,
} from "@vigil/db";
import { PolicyMatcher, parsePolicy } from "@vigil/policy";
import { freePort, repoRoot, startServer } from "../test/processes";
import { consoleEvent } from "./console-events";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    events: { type: "string", default: "10000000" },
    hosts: { type: "string", default: "20" },
    data: { type: "string" },
    samples: { type: "string", default: "40" },
  },
});
const total = Number(values.events);
const samples = Number(values.samples);
const log = (line: string) => process.stderr.write(`${line}\n`);
const dir = values.data ?? mkdtempSync(join(tmpdir(), "vigil-bench-console-"));
const password = "a bench password, long enough";
const hostList = Array.from({ length: Number(values.hosts) }, (_, i) => ({
  id: `bench-${i}`,
  name: `node-${i}`,
}));

const store = openStore(join(dir, "vigil.db"));
const stored = store.sqlite.prepare("SELECT count(*) FROM events").pluck().get() as number;
if (stored < total) {
  if (stored > 0)
    throw new Error(`${dir} holds ${stored} events, not ${total}: pass another --data or --events`);
  log(`bench:console: seeding ${total.toLocaleString()} events on ${hostList.length} hosts into ${dir}`);
  const ids = hostList.map(
    (h) =>
      store.db
        .insert(hostsTable)
        .values({ machineId: h.id, name: h.name, sensorMode: "tracepoint", firstSeenMs: 0, lastSeenMs: 0 })
        .returning()
        .get().id,
  );
  const writer = new EventWriter(store.sqlite);
  const rollups = new Rollups(store.sqlite);
  const alerts = new AlertRecorder(store.sqlite);
  const endNs = BigInt(Date.now()) * 1_000_000n;
  const spacingNs = (7n * 86_400n * 1_000_000_000n) / BigInt(total); // a week of events, ending now
  const started = performance.now();
  for (let n = 0; n < total; ) {
    store.sqlite.transaction(() => {
      for (const end = Math.min(total, n + 5000); n < end; n++) {
        const event = consoleEvent(n, total, hostList, endNs, spacingNs);
        const hostId = ids[hostList.findIndex((h) => h.id === event.host.id)] as number;
        alerts.record(hostId, writer.insert(hostId, event), event);
        rollups.count(hostId, event);
      }
      rollups.flush();
    })();
    if (n % 500_000 === 0) {
      const rate = n / ((performance.now() - started) / 1000);
      log(`  ${n.toLocaleString()} events (${Math.round(rate).toLocaleString()}/s)`);
    }
  }
  await createUser(store, { name: "bench", role: "admin", password });
  store.sqlite.pragma("analysis_limit = 1000"); // statistics from a sample: seconds, not minutes, at 10M events
  store.sqlite.pragma("optimize");
}

const throttle = new SignInThrottle();
const { cookie } = await signIn(store, throttle, { name: "bench", password, source: null });
const caller = createCaller({
  store,
  events: new SqliteEventStore(store),
  actor: sessionUser(store, cookie),
  source: null,
  throttle,
  sessionCookie: { set: () => {}, clear: () => {} },
});

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};
async function timed(name: string, call: (i: number) => Promise<unknown>) {
  await call(0); // warm the statement cache
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await call(i);
    ms.push(performance.now() - start);
  }
  const result = { p50: percentile(ms, 50), p95: percentile(ms, 95) };
  log(`  ${name}: p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms`);
  return result;
}

/** Events at random places in the store: cursors deep in the results, processes to open. */
const maxSeq = store.sqlite.prepare("SELECT max(seq) FROM events").pluck().get() as number;
const spots = Array.from({ length: samples + 1 }, (_, i) => {
  const seq = 1 + Math.floor((((i * 7919) % 1000) / 1000) * maxSeq * 0.9);
  return store.sqlite
    .prepare(
      // CROSS JOIN keeps events the outer loop: with statistics, SQLite would rather read each host's events.
      `SELECT e.seq, e.time_ns, e.pid, h.machine_id FROM events e CROSS JOIN hosts h ON h.id = e.host_id
       WHERE e.seq >= ? AND e.type = 0 ORDER BY e.seq LIMIT 1`,
    )
    .safeIntegers(true)
    .get(seq) as { seq: bigint; time_ns: bigint; pid: bigint; machine_id: string };
});
const words = ["curl", "job 17", "items 12345", "input txt", "systemctl", "srv data 42"];

log("bench:console: server time of the console's procedures");
const explorer = await timed("explorer, first page", () => caller.events.list({ limit: 100 }));
const hostType = await timed("explorer, host + type", (i) =>
  caller.events.list({ host: hostList[i % hostList.length]?.name, types: ["exec"], limit: 100 }),
);
const fts = await timed("explorer, text search", (i) =>
  caller.events.list({ q: words[i % words.length], limit: 100 }),
);
const deep = await timed("explorer, a page deep in the results", (i) => {
  const spot = spots[i % spots.length] as (typeof spots)[number];
  return caller.events.list({ limit: 100, cursor: { timeNs: String(spot.time_ns), seq: String(spot.seq) } });
});
const processView = await timed("process view", (i) => {
  const spot = spots[i % spots.length] as (typeof spots)[number];
  const at = new Date(Number(spot.time_ns / 1_000_000n)).toISOString();
  return caller.processes.tree({ host: spot.machine_id, pid: Number(spot.pid), at });
});
const dashboard = await timed("dashboard (24 h and 7 d)", (i) =>
  caller.dashboard.summary({ range: i % 2 ? "7d" : "24h" }),
);

log("bench:console: back-tests, against judging every event one by one (the baseline)");
const lastMs =
  Number(
    (store.sqlite.prepare("SELECT max(time_ns) FROM events").safeIntegers().pluck().get() as bigint) /
      1_000_000n,
  ) + 1;
const templatesDir = join(repoRoot, "packages", "policy", "templates");
const krsi = ["protect-running-binaries", "ptrace-only-debuggers", "no-foreign-memory-writes"].map((name) =>
  readFileSync(join(templatesDir, `${name}.yaml`), "utf8"),
);
const backtestMs = async (yaml: string, hours: number) => {
  const start = performance.now();
  const result = await backtest(store, new SqliteEventStore(store), {
    yaml,
    sinceMs: lastMs - hours * 3_600_000,
    untilMs: lastMs,
  });
  return { ms: performance.now() - start, decided: result.rules.reduce((sum, r) => sum + r.count, 0) };
};
let krsiWeekMs = 0;
for (const yaml of krsi) krsiWeekMs += (await backtestMs(yaml, 168)).ms;
log(`  the three KRSI templates over 7 days: ${krsiWeekMs.toFixed(0)} ms`);
const broadRule = `apiVersion: vigil/v1
kind: Policy
name: broad
rules: [{ id: usr-bin, on: exec, action: alert, severity: info, when: { process.exe: "/usr/bin/*" } }]
`;
const broad = await backtestMs(broadRule, 24);
const oneByOne = (() => {
  const parsed = parsePolicy(broadRule);
  if (!parsed.ok) throw new Error("the broad rule does not parse");
  const matcher = new PolicyMatcher(parsed.policy, { id: "broad", version: 0 });
  const start = performance.now();
  let decided = 0;
  const filter = {
    types: ["exec" as const],
    sinceNs: BigInt(lastMs - 24 * 3_600_000) * 1_000_000n,
    untilNs: BigInt(lastMs) * 1_000_000n,
  };
  for (let page = queryEvents(store.sqlite, filter, { limit: 1000, order: "asc" }); ; ) {
    for (const event of page.events) if (matcher.decide(event)) decided++;
    if (!page.next) break;
    page = queryEvents(store.sqlite, filter, { limit: 1000, order: "asc", after: page.next });
  }
  return { ms: performance.now() - start, decided };
})();
if (oneByOne.decided !== broad.decided)
  throw new Error(`the back-test decided ${broad.decided} events, judging one by one ${oneByOne.decided}`);
log(
  `  a rule matching most execs over 24 h: ${broad.ms.toFixed(0)} ms (${broad.decided.toLocaleString()} events), ` +
    `one by one ${oneByOne.ms.toFixed(0)} ms: ${(oneByOne.ms / broad.ms).toFixed(1)}x faster`,
);
store.close();

log("bench:console: time to first byte of the explorer page, 10 requests at a time");
const port = await freePort();
const server = await startServer(dir, port);
let ttfb: { p50: number; p95: number };
try {
  const base = `http://127.0.0.1:${port}`;
  const signed = await fetch(`${base}/api/trpc/auth.signIn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "bench", password }),
  });
  const session = (signed.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const page = async () => {
    const start = performance.now();
    const response = await fetch(`${base}/events?type=exec`, { headers: { cookie: session } });
    const first = performance.now() - start;
    if (response.status !== 200) throw new Error(`the explorer page answered ${response.status}`);
    await response.arrayBuffer();
    return first;
  };
  for (let i = 0; i < 10; i++) await page(); // compiled and cached
  const times: number[] = [];
  for (let round = 0; round < 20; round++)
    times.push(...(await Promise.all(Array.from({ length: 10 }, page))));
  ttfb = { p50: percentile(times, 50), p95: percentile(times, 95) };
  log(`  TTFB: p50 ${ttfb.p50.toFixed(1)} ms, p95 ${ttfb.p95.toFixed(1)} ms`);
} finally {
  await server.stop();
  if (!values.data) rmSync(dir, { recursive: true, force: true });
}

const firstPageP95 = Math.max(explorer.p95, hostType.p95);
const result = {
  events: total,
  hosts: hostList.length,
  explorer_p95_ms: firstPageP95,
  deep_p95_ms: deep.p95,
  fts_p95_ms: fts.p95,
  process_p95_ms: processView.p95,
  dashboard_p95_ms: dashboard.p95,
  ttfb_p95_ms: ttfb.p95,
  backtest_krsi_7d_ms: Math.round(krsiWeekMs),
  backtest_broad_24h_ms: Math.round(broad.ms),
  backtest_speedup_vs_one_by_one: oneByOne.ms / broad.ms,
  targets: {
    explorer_p95_ms: 25,
    deep_p95_ms: "<= 2 x explorer",
    fts_p95_ms: 50,
    dashboard_p95_ms: 300,
    ttfb_p95_ms: 300,
  },
};
const met = {
  explorer: firstPageP95 <= 25,
  deep: deep.p95 <= 2 * firstPageP95,
  fts: fts.p95 <= 50,
  dashboard: dashboard.p95 <= 300,
  ttfb: ttfb.p95 <= 300,
};
if (values.json) process.stdout.write(`${JSON.stringify({ ...result, met })}\n`);
else {
  const v = (ok: boolean) => (ok ? "met" : "NOT met");
  process.stdout.write(
    `explorer first page p95 ${firstPageP95.toFixed(1)} ms (<= 25: ${v(met.explorer)}), deep ${deep.p95.toFixed(1)} ms ` +
      `(<= 2x: ${v(met.deep)}), text search ${fts.p95.toFixed(1)} ms (<= 50: ${v(met.fts)})\n` +
      `process view ${processView.p95.toFixed(1)} ms, dashboard ${dashboard.p95.toFixed(1)} ms (<= 300: ${v(met.dashboard)}), ` +
      `page TTFB ${ttfb.p95.toFixed(1)} ms under 10 concurrent (<= 300: ${v(met.ttfb)})\n` +
      `back-tests: the KRSI templates over 7 days ${result.backtest_krsi_7d_ms} ms, a rule matching most execs ` +
      `over 24 h ${result.backtest_broad_24h_ms} ms (${result.backtest_speedup_vs_one_by_one.toFixed(1)}x judging one by one)\n`,
  );
}
