// npm run bench:ingest [-- --json] [--events N] [--agents A]: raw SQLite inserts vs the real agent API.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { buildRows, EventWriter, hosts, openStore } from "@vigil/db";
import { parseEvent } from "@vigil/events";
import Database from "better-sqlite3";
import { dataDir, freePort, startServer } from "../test/processes";
import { cpuSeconds } from "./process-stats";
import { realisticBatch } from "./realistic-events";
import { agentBodies, enrollHosts, shipAll } from "./ship";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    events: { type: "string", default: "1000000" },
    agents: { type: "string", default: "4" },
  },
});
const BATCH = 5000; // what the agent ships at most per request
const agents = Number(values.agents);
const batchesPerAgent = Math.ceil(Number(values.events) / BATCH / agents);
const total = batchesPerAgent * agents * BATCH;
const log = (line: string) => process.stderr.write(`${line}\n`);
const host = (a: number) => ({ id: `bench-host-${a}`, name: `bench-${a}` });

/** The database's size once its WAL is folded in: what the events cost on disk, indexes and FTS included. */
function bytesPerEvent(path: string): number {
  const db = new Database(path);
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return statSync(path).size / total;
}

function raw(): { perSecond: number; bytesPerEvent: number } {
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-raw-"));
  try {
    const store = openStore(join(dir, "vigil.db"));
    const hostIds = Array.from(
      { length: agents },
      (_, a) =>
        store.db
          .insert(hosts)
          .values({ machineId: host(a).id, name: host(a).name, firstSeenMs: 0, lastSeenMs: 0 })
          .returning()
          .get().id,
    );
    const writer = new EventWriter(store.sqlite);
    let elapsed = 0;
    for (let b = 0; b < batchesPerAgent; b++) {
      for (let a = 0; a < agents; a++) {
        const events = realisticBatch(host(a), b * agents + a, BATCH);
        const start = performance.now();
        store.sqlite.transaction(() => writer.write(hostIds[a] as number, buildRows(events)))();
        elapsed += performance.now() - start;
      }
      if (b % 10 === 9) log(`  raw: ${((b + 1) * agents * BATCH).toLocaleString()} events`);
    }
    store.close();
    return { perSecond: total / (elapsed / 1000), bytesPerEvent: bytesPerEvent(join(dir, "vigil.db")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function api(): Promise<{ perSecond: number; bytesPerEvent: number; serverCpuSeconds: number }> {
  const data = dataDir();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startServer(data.dir, port);
  try {
    const credentials = await enrollHosts(base, data.enrollToken, agents);
    log("  api: compressing the batches as the agent does (not timed)");
    const bodies = agentBodies(agents, batchesPerAgent, BATCH);
    const pid = server.child.pid as number;
    const cpuStart = cpuSeconds(pid);
    const start = performance.now();
    const retries = await shipAll(base, server, credentials, bodies, BATCH, (shipped) => {
      if ((shipped / BATCH) % 40 === 0) log(`  api: ${shipped.toLocaleString()} events`);
    });
    const seconds = (performance.now() - start) / 1000;
    const serverCpuSeconds = cpuSeconds(pid) - cpuStart;
    if (retries > 0) log(`  api: the server asked for ${retries} retries (busy)`);
    await server.stop();
    return {
      perSecond: total / seconds,
      bytesPerEvent: bytesPerEvent(join(data.dir, "vigil.db")),
      serverCpuSeconds,
    };
  } finally {
    await server.stop();
    data.cleanup();
  }
}

/**
 * The CPU an event costs in the steps every API batch must take before it is stored, measured alone on the same
 * batches: with the raw store's cost they bound what any arrangement of this server can reach on this machine.
 */
function decodeCosts(): { gunzip: number; jsonParse: number; validate: number } {
  const batches = Math.min(batchesPerAgent * agents, 40);
  const bodies = Array.from({ length: batches }, (_, b) =>
    gzipSync(JSON.stringify({ stream: "bench", firstSeq: 1, events: realisticBatch(host(0), b, BATCH) }), {
      level: 1,
    }),
  );
  const usPerEvent = (start: number) => ((performance.now() - start) * 1000) / (batches * BATCH);
  let start = performance.now();
  const texts = bodies.map((body) => gunzipSync(body).toString("utf8"));
  const gunzip = usPerEvent(start);
  start = performance.now();
  const parsed = texts.map((text) => JSON.parse(text) as { events: unknown[] });
  const jsonParse = usPerEvent(start);
  start = performance.now();
  for (const batch of parsed) for (const event of batch.events) parseEvent(event);
  return { gunzip, jsonParse, validate: usPerEvent(start) };
}

log(`bench:ingest: ${total.toLocaleString()} events from ${agents} hosts in batches of ${BATCH}`);
const decode = decodeCosts();
const rawResult = raw();
log(`  raw prepared inserts: ${Math.round(rawResult.perSecond).toLocaleString()} events/s`);
const apiResult = await api();
const cores = availableParallelism();
const round1 = (x: number) => Math.round(x * 10) / 10;
const result = {
  events: total,
  agents,
  batch: BATCH,
  rawPerSecond: Math.round(rawResult.perSecond),
  apiPerSecond: Math.round(apiResult.perSecond),
  ratio: apiResult.perSecond / rawResult.perSecond,
  bytesPerEvent: Math.round(apiResult.bytesPerEvent),
  rawBytesPerEvent: Math.round(rawResult.bytesPerEvent),
  cpuUsPerEvent: {
    gunzip: round1(decode.gunzip),
    jsonParse: round1(decode.jsonParse),
    validate: round1(decode.validate),
    store: round1(1e6 / rawResult.perSecond),
  },
  /** all the server's threads, per event through the API, and the cores they kept busy */
  serverCpuUsPerEvent: round1((apiResult.serverCpuSeconds * 1e6) / total),
  serverCores: round1((apiResult.serverCpuSeconds * apiResult.perSecond) / total),
  cores,
  /** what the server would store with every core busy at the CPU per event it spent here, and nothing else */
  ceilingPerSecond: Math.round((cores * total) / apiResult.serverCpuSeconds),
  targets: { ratio: ">= 0.5", apiPerSecond: ">= 100000", bytesPerEvent: "<= 200" },
};
const met = {
  ratio: result.ratio >= 0.5,
  apiPerSecond: result.apiPerSecond >= 100_000,
  bytesPerEvent: result.bytesPerEvent <= 200,
};
if (values.json) process.stdout.write(`${JSON.stringify({ ...result, met })}\n`);
else {
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  process.stdout.write(
    `raw inserts ${result.rawPerSecond.toLocaleString()}/s, agent API ${result.apiPerSecond.toLocaleString()}/s: ` +
      `ratio ${result.ratio.toFixed(2)} (target >= 0.5: ${verdict(met.ratio)}; >= 100,000/s: ${verdict(met.apiPerSecond)})\n` +
      `on disk: ${result.bytesPerEvent} bytes per event with indexes and FTS (target <= 200: ${verdict(met.bytesPerEvent)})\n` +
      `CPU per event, each step alone: gunzip ${result.cpuUsPerEvent.gunzip} us, JSON.parse ` +
      `${result.cpuUsPerEvent.jsonParse} us, validation ${result.cpuUsPerEvent.validate} us, rows and SQLite ` +
      `${result.cpuUsPerEvent.store} us\n` +
      `the server through the API: ${result.serverCpuUsPerEvent} us of CPU per event (all threads), ` +
      `${result.serverCores} cores busy: at most ${result.ceilingPerSecond.toLocaleString()}/s on ${cores} cores ` +
      "with every core busy and nothing else\n",
  );
}
