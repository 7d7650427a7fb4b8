// npm run bench:scale [-- --json] [--events N] [--agents A] [--sizes N,N] [--stores sqlite,...]: the same workload into
// SQLite, ClickHouse and a 2-shard ClickHouse cluster, through the real server's agent API; then each store grown
// to each size (copies of what was shipped, earlier in time) and its explorer pages and dashboard counts timed.
import { statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createClient } from "@clickhouse/client";
import { ClickHouseEventStore } from "@vigil/clickhouse";
import { clusterPorts, startTestServer, type TestServer } from "@vigil/clickhouse/test-server";
import { type EventFilter, type EventStore, openStore, SqliteEventStore, type Store } from "@vigil/db";
import { dataDir, freePort, startServer } from "../test/processes";
import { agentBodies, enrollHosts, shipAll } from "./ship";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    events: { type: "string", default: "1000000" },
    agents: { type: "string", default: "8" },
    sizes: { type: "string", default: "10000000,50000000" },
    stores: { type: "string", default: "sqlite,clickhouse,clickhouse_2shard" },
  },
});
const BATCH = 5000;
const agents = Number(values.agents);
const batchesPerAgent = Math.ceil(Number(values.events) / BATCH / agents);
const shipped = batchesPerAgent * agents * BATCH;
const sizes = values.sizes.split(",").map(Number);
const log = (line: string) => process.stderr.write(`${line}\n`);
const HOUR_NS = 3_600_000_000_000n;

type Backend = {
  env: Record<string, string>;
  /** The event store, opened directly, for growing and timing it (the server is stopped by then). */
  open(dataDir: string): Promise<EventStore & { grow(to: number): Promise<void>; bytes(): Promise<number> }>;
  stop(): Promise<void>;
};

/** SQLite: the server's own database. Grown by copying its rows (with their rollups) hours earlier. */
async function sqliteBackend(): Promise<Backend> {
  return {
    env: {},
    async open(dir) {
      const path = join(dir, "vigil.db");
      const store = openStore(path);
      return Object.assign(new SqliteEventStore(store), {
        grow: (to: number) => growSqlite(store, to),
        bytes: async () => {
          store.sqlite.pragma("wal_checkpoint(TRUNCATE)");
          return statSync(path).size;
        },
      });
    },
    stop: async () => {},
  };
}

function growSqlite(store: Store, to: number): Promise<void> {
  const db = store.sqlite;
  const count = () => db.prepare("SELECT count(*) FROM events").pluck().get() as number;
  const columns = `host_id, time_ns, type, sensor, verdict, pid, tid, ppid, uid, euid, gid, cgroup_id, program_id,
    parent_pid, parent_id, file_id, target_pid, target_id, boot_id, ktime, id_tid, event_id, exit_status, detail`;
  for (let have = count(); have < to; have = count()) {
    const [min, max] = db
      .prepare("SELECT min(time_ns), max(time_ns) FROM events")
      .raw()
      .safeIntegers()
      .get() as [bigint, bigint];
    const shift = ((max - min) / HOUR_NS + 1n) * HOUR_NS; // whole hours: the rollups move with the events
    const before = db.prepare("SELECT max(seq) FROM events").pluck().safeIntegers().get() as bigint;
    db.transaction(() => {
      db.prepare(
        `INSERT INTO events (${columns}) SELECT ${columns.replace("time_ns", "time_ns - ?")} FROM events
         ORDER BY seq LIMIT ?`,
      ).run(shift, Math.min(have, to - have));
      const added = "WHERE seq > ? AND true";
      db.prepare(
        `INSERT INTO event_rollups (minute, host_id, type, count)
         SELECT time_ns / 60000000000, host_id, type, count(*) FROM events ${added} GROUP BY 1, 2, 3
         ON CONFLICT (minute, host_id, type) DO UPDATE SET count = count + excluded.count`,
      ).run(before);
      db.prepare(
        `INSERT INTO event_rollups_hourly (hour, host_id, type, count)
         SELECT time_ns / 3600000000000, host_id, type, count(*) FROM events ${added} GROUP BY 1, 2, 3
         ON CONFLICT (hour, host_id, type) DO UPDATE SET count = count + excluded.count`,
      ).run(before);
      db.prepare(
        `INSERT INTO exec_rollups (hour, exe, count)
         SELECT e.time_ns / 3600000000000, p.exe, count(*) FROM events e JOIN programs p ON p.id = e.program_id
         WHERE e.seq > ? AND e.type = 0 GROUP BY 1, 2
         ON CONFLICT (hour, exe) DO UPDATE SET count = count + excluded.count`,
      ).run(before);
    })();
    log(`    ${count().toLocaleString()} events`);
  }
  return Promise.resolve();
}

/** ClickHouse, one server or a cluster of two. Grown by copying its rows hours earlier, under new ids. */
async function clickhouseBackend(shards: number): Promise<Backend> {
  const servers: TestServer[] = [];
  if (shards === 1) servers.push(await startTestServer());
  else {
    const { ports, shards: tcp } = await clusterPorts(shards);
    for (const p of ports) servers.push(await startTestServer({ ports: p, shards: tcp }));
  }
  const urls = servers.map((s) => s.url);
  const cluster = shards > 1 ? { name: "vigil", shardUrls: urls } : undefined;
  const env: Record<string, string> = {
    VIGIL_EVENT_STORE: "clickhouse",
    VIGIL_CLICKHOUSE_URL: urls[0] as string,
  };
  if (cluster)
    Object.assign(env, { VIGIL_CLICKHOUSE_CLUSTER: "vigil", VIGIL_CLICKHOUSE_SHARDS: urls.join(",") });
  return {
    env,
    async open() {
      const store = await ClickHouseEventStore.open({ url: urls[0] as string, cluster });
      // Copying tens of millions of rows takes minutes: one request.
      const client = createClient({
        url: urls[0],
        request_timeout: 3_600_000,
        // progress headers keep the connection busy while the copy runs (the client warns without them)
        clickhouse_settings: { insert_distributed_sync: 1, send_progress_in_http_headers: 1 },
      });
      const one = async (query: string) =>
        (
          (await (await client.query({ query, format: "JSONEachRow" })).json()) as Record<string, string>[]
        )[0] ?? {};
      const count = async () => Number((await one("SELECT toString(count()) AS n FROM vigil.events")).n);
      return Object.assign(store, {
        async grow(to: number) {
          for (let have = await count(); have < to; have = await count()) {
            const span = await one(
              "SELECT toString(min(time_ns)) AS min, toString(max(time_ns)) AS max FROM vigil.events",
            );
            const shift =
              ((BigInt(span.max as string) - BigInt(span.min as string)) / HOUR_NS + 1n) * HOUR_NS;
            const id = `concat(id, '~', toString(${have}))`;
            await client.command({
              query: `INSERT INTO vigil.events (day, minute, time_ns, host_id, id, key, received_ms, host_name, type,
                  sensor, verdict, pid, ppid, uid, parent_pid, exe, filename, parent_exe, words, file_words, shape, event)
                SELECT toInt32(intDiv(time_ns - ${shift}, 86400000000000)), intDiv(time_ns - ${shift}, 60000000000),
                  time_ns - ${shift}, host_id, ${id}, bitShiftRight(sipHash64(host_id, ${id}), 1), received_ms,
                  host_name, type, sensor, verdict, pid, ppid, uid, parent_pid, exe, filename, parent_exe, words,
                  file_words, shape, event
                FROM vigil.events LIMIT ${Math.min(have, to - have)}`,
              clickhouse_settings: { max_execution_time: 3600 },
            });
            log(`    ${(await count()).toLocaleString()} events`);
          }
        },
        async bytes() {
          let total = 0;
          for (const url of urls) {
            const shard = createClient({ url });
            const result = await shard.query({
              query:
                "SELECT toString(sum(bytes_on_disk)) AS b FROM system.parts WHERE active AND database = 'vigil'",
              format: "JSONEachRow",
            });
            total += Number(((await result.json()) as { b: string }[])[0]?.b ?? 0);
            await shard.close();
          }
          return total;
        },
        async close() {
          await client.close();
          await ClickHouseEventStore.prototype.close.call(store);
        },
      });
    },
    stop: async () => {
      for (const server of servers) await server.stop();
    },
  };
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? 0;

/** What analysts ask of the explorer: the newest page, one host's, one type's, a word, a program glob, page 5. */
const explorerMix: EventFilter[] = [
  {},
  { host: "bench-3" },
  { types: ["exit"] },
  { q: "items" },
  { exe: "/usr/bin/python*" },
];

/** The p95 of every page of the mix, and of each filter's (keyed by its JSON), in ms. */
async function timeExplorer(store: EventStore): Promise<{ all: number; byFilter: Record<string, number> }> {
  const times: number[] = [];
  const byFilter = new Map<string, number[]>();
  for (let round = 0; round < 6; round++) {
    for (const filter of explorerMix) {
      const own = byFilter.get(JSON.stringify(filter)) ?? [];
      byFilter.set(JSON.stringify(filter), own);
      let start = performance.now();
      let page = await store.page(filter, { order: "desc", limit: 100 });
      own.push(performance.now() - start);
      for (let deeper = 0; deeper < 4 && page.next; deeper++) {
        start = performance.now();
        page = await store.page(filter, { order: "desc", limit: 100, after: page.next });
        own.push(performance.now() - start);
      }
      times.push(...own.slice(-5));
    }
  }
  const round1 = (ms: number) => Math.round(ms * 10) / 10;
  return {
    all: round1(percentile(times, 95)),
    byFilter: Object.fromEntries([...byFilter].map(([filter, ms]) => [filter, round1(percentile(ms, 95))])),
  };
}

/** The dashboard's aggregates for a day and a week back from the newest event: counts by bucket, top programs. */
async function timeDashboard(store: EventStore, newestMs: number): Promise<number> {
  const times: number[] = [];
  const toMinute = Math.floor(newestMs / 60_000);
  for (let round = 0; round < 5; round++) {
    for (const [minutes, bucketMinutes] of [
      [1440, 60],
      [7 * 1440, 360],
    ] as const) {
      const range = { fromMinute: toMinute - minutes, toMinute, bucketMinutes };
      const start = performance.now();
      await Promise.all([store.counts(range), store.topExecutables(range, 10)]);
      times.push(performance.now() - start);
    }
  }
  return percentile(times, 50);
}

type Measured = {
  eventsPerS: number;
  bytesPerEvent: number;
  explorerP95Ms: Record<string, number>;
  /** per size, each filter's p95 */
  explorerP95MsByFilter: Record<string, Record<string, number>>;
  dashboardMs: Record<string, number>;
};

async function measure(name: string, backend: Backend, bodies: Buffer[][]): Promise<Measured> {
  const data = dataDir();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startServer(data.dir, port, backend.env);
  let eventsPerS = 0;
  try {
    const credentials = await enrollHosts(base, data.enrollToken, agents);
    const start = performance.now();
    await shipAll(base, server, credentials, bodies, BATCH, (n) => {
      if ((n / BATCH) % 100 === 0) log(`  ${name}: ${n.toLocaleString()} events shipped`);
    });
    eventsPerS = shipped / ((performance.now() - start) / 1000);
    log(`  ${name}: ${Math.round(eventsPerS).toLocaleString()} events/s through the agent API`);
  } finally {
    await server.stop();
  }
  const store = await backend.open(data.dir);
  try {
    const bytesPerEvent = (await store.bytes()) / shipped;
    const explorerP95Ms: Record<string, number> = {};
    const explorerP95MsByFilter: Record<string, Record<string, number>> = {};
    const dashboardMs: Record<string, number> = {};
    for (const size of sizes) {
      log(`  ${name}: growing to ${size.toLocaleString()} events`);
      await store.grow(size);
      const newest = (await store.page({}, { order: "desc", limit: 1 })).events[0];
      const label = `${size / 1_000_000}M`;
      const explorer = await timeExplorer(store);
      explorerP95Ms[label] = explorer.all;
      explorerP95MsByFilter[label] = explorer.byFilter;
      dashboardMs[label] =
        Math.round((await timeDashboard(store, Date.parse(newest?.time ?? "0"))) * 10) / 10;
      log(
        `  ${name} at ${label}: explorer p95 ${explorerP95Ms[label]} ms, dashboard ${dashboardMs[label]} ms`,
      );
    }
    return {
      eventsPerS: Math.round(eventsPerS),
      bytesPerEvent: Math.round(bytesPerEvent),
      explorerP95Ms,
      explorerP95MsByFilter,
      dashboardMs,
    };
  } finally {
    await store.close();
    data.cleanup();
  }
}

log(
  `bench:scale: ${shipped.toLocaleString()} events from ${agents} hosts through the agent API into each store`,
);
log("  compressing the batches as the agent does (not timed)");
const bodies = agentBodies(agents, batchesPerAgent, BATCH);
const results: Record<string, Measured> = {};
const backends = {
  sqlite: sqliteBackend,
  clickhouse: () => clickhouseBackend(1),
  clickhouse_2shard: () => clickhouseBackend(2),
};
type Name = keyof typeof backends;
const chosen = values.stores.split(",") as Name[];
for (const name of chosen) {
  if (!(name in backends))
    throw new Error(`--stores: no store ${name} (${Object.keys(backends).join(", ")})`);
}
for (const name of chosen) {
  const backend = await backends[name]();
  try {
    results[name] = await measure(name, backend, bodies);
  } finally {
    await backend.stop();
  }
}
const { sqlite, clickhouse: one, clickhouse_2shard: two } = results as Partial<Record<Name, Measured>>;
const largest = `${(sizes.at(-1) as number) / 1_000_000}M`;
const ratio = (m?: Measured) =>
  m && sqlite ? Math.round((m.eventsPerS / sqlite.eventsPerS) * 100) / 100 : null;
const each = <T>(pick: (m: Measured) => T) =>
  Object.fromEntries(Object.entries(results).map(([name, m]) => [name, pick(m)]));
const clickhouses = [one, two].filter((m) => m !== undefined);
const result = {
  events_shipped: shipped,
  agents,
  sqlite_events_per_s: sqlite?.eventsPerS ?? null,
  clickhouse_events_per_s: one?.eventsPerS ?? null,
  clickhouse_2shard_events_per_s: two?.eventsPerS ?? null,
  clickhouse_vs_sqlite: ratio(one),
  clickhouse_2shard_vs_sqlite: ratio(two),
  dashboard_ms: each((m) => m.dashboardMs),
  explorer_p95_ms: each((m) => m.explorerP95Ms),
  explorer_p95_ms_by_filter: each((m) => m.explorerP95MsByFilter),
  bytes_per_event: each((m) => m.bytesPerEvent),
  targets: { clickhouse_vs_sqlite: ">= 2", [`dashboard_ms at ${largest}`]: "<= 500" },
  met: {
    clickhouse_vs_sqlite: one && sqlite ? one.eventsPerS >= 2 * sqlite.eventsPerS : null,
    dashboard: clickhouses.length
      ? clickhouses.every((m) => (m.dashboardMs[largest] ?? Infinity) <= 500)
      : null,
  },
};
if (values.json) console.log(JSON.stringify(result));
else console.log(JSON.stringify(result, null, 2));
