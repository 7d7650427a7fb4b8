import {
  type AuthenticatedAgent,
  type CheckedBatch,
  checkHostHealth,
  type DecodedBatch,
  type Heartbeat,
  Ingest,
  IngestElsewhere,
  type IngestResult,
  pruneAlertEvents,
  recordHeartbeat,
  retentionSetting,
} from "@vigil/api";
import {
  type EventStore,
  pruneEvents,
  pruneOrphans,
  pruneRollups,
  type Retention,
  type Store,
} from "@vigil/db";
import { env } from "../env";
import { type IncomingBatch, unpack } from "./batch-decoder";
import { log } from "./log";
import { WriteTurns } from "./write-turns";

/**
 * What agents send that the server stores: event batches, heartbeats. One writer owns these writes and retention
 * (which deletes events, and programs and files no event names any more, whose ids the writer keeps in memory).
 */
export type Writer = {
  writeEvents(agent: AuthenticatedAgent, batch: IncomingBatch): Promise<IngestResult>;
  recordHeartbeat(agent: AuthenticatedAgent, beat: Heartbeat): Promise<void>;
  /** How many events the store holds. */
  storedEvents(): number;
};

const RETENTION_EVERY_MS = 60_000;
const HOST_HEALTH_EVERY_MS = 15_000;
const IDLE_CHECKPOINT_MS = 60_000;
const DAY_MS = 24 * 3600 * 1000;

/** What admins set in the console, else the environment's defaults; read at every run, so a change applies soon. */
function currentRetention(store: Store) {
  const chosen = retentionSetting(store);
  return {
    maxAgeMs: (chosen?.days ?? env.VIGIL_RETENTION_DAYS) * DAY_MS,
    maxEvents: chosen?.maxEvents ?? env.VIGIL_RETENTION_MAX_EVENTS,
  };
}

/** Batches decoded for one engine reach only that engine's writer. */
function decodedFor<T extends "rows" | "events">(batch: IncomingBatch, form: T) {
  const decoded = unpack(batch);
  if (!(form in decoded))
    throw new Error(`a batch decoded for another event store reached the ${form} writer`);
  return decoded as T extends "rows" ? DecodedBatch : CheckedBatch;
}

/** Retention with the limits set now, every minute; a run still going when the next is due is not doubled. */
function everyRetention(store: Store, prune: (retention: Retention) => Promise<void>): void {
  let pruning = false;
  setInterval(() => {
    if (pruning) return;
    pruning = true;
    prune(currentRetention(store))
      .catch((error) => log.error({ err: error }, "retention failed"))
      .finally(() => {
        pruning = false;
      });
  }, RETENTION_EVERY_MS).unref();
}

/** The host health check, every 15 s, on the thread that writes. */
function checkHostsHealth(store: Store): void {
  setInterval(() => {
    try {
      checkHostHealth(store);
    } catch (error) {
      log.error({ err: error }, "host health check failed");
    }
  }, HOST_HEALTH_EVERY_MS).unref();
}

/**
 * The writer on this thread's connection: batches and heartbeats share commits of up to `groupMs` of writes
 * (write-turns.ts); retention runs every minute and the host health check every 15 s between them.
 */
export function startWriting(store: Store, groupMs: number): Writer {
  const ingest = new Ingest(store);
  let lastGroupMs = 0;
  const writes = new WriteTurns(
    (work) => {
      lastGroupMs = performance.now();
      store.sqlite.transaction(work).immediate();
    },
    () => ingest.rolledBack(),
    groupMs,
  );
  const yieldToIngest = () => new Promise<void>((resolve) => setImmediate(resolve));
  // Here, between commits, not on the thread that answers requests: there it would wait for this thread's commit.
  checkHostsHealth(store);
  // The console's thread leaves checkpoints to this one (vigil.ts), whose commits make them while agents send; when
  // none do, what the console wrote is copied back here.
  setInterval(() => {
    if (performance.now() - lastGroupMs < IDLE_CHECKPOINT_MS) return;
    try {
      store.sqlite.pragma("wal_checkpoint(PASSIVE)");
    } catch (error) {
      log.error({ err: error }, "checkpoint failed");
    }
  }, IDLE_CHECKPOINT_MS).unref();
  everyRetention(store, async (retention) => {
    const deleted = await pruneEvents(store.sqlite, retention, Date.now(), {
      pause: yieldToIngest,
      count: () => ingest.storedEvents,
    });
    ingest.removed(deleted);
    // The dashboard's counts follow the age limit (not the count limit: they are what happened, and small).
    pruneRollups(store.sqlite, Date.now() - retention.maxAgeMs);
    if (deleted > 0) {
      pruneAlertEvents(store);
      await pruneOrphans(store.sqlite, () => ingest.forgetIds(), { pause: yieldToIngest });
    }
  });
  return {
    writeEvents: (agent, batch) => writes.run(() => ingest.writeIn(agent, decodedFor(batch, "rows"))),
    recordHeartbeat: (agent, beat) => writes.run(() => recordHeartbeat(store, agent, beat)),
    storedEvents: () => ingest.storedEvents,
  };
}

/**
 * The writer when events are kept outside the database (ClickHouse): batches go to the event store (several at
 * once), their alerts and heartbeats to the database. Retention drops what the event store no longer keeps, and
 * the alerts' references to it, every minute.
 */
export function startWritingElsewhere(store: Store, events: EventStore): Writer {
  const ingest = new IngestElsewhere(store, events);
  let stored = 0;
  const count = () =>
    events
      .stored()
      .then((n) => {
        stored = n;
      })
      .catch((error) => log.error({ err: error }, "counting the stored events failed"));
  void count();
  checkHostsHealth(store);
  everyRetention(store, async (retention) => {
    const nowMs = Date.now();
    const deleted = await events.prune(retention, nowMs);
    // What retention keeps is whole days there: an alert keeps its events from the oldest day on.
    const keptFromNs = BigInt(Math.floor((nowMs - retention.maxAgeMs) / DAY_MS) * DAY_MS) * 1_000_000n;
    pruneAlertEvents(store, keptFromNs);
    if (deleted > 0) log.info({ deleted }, "retention deleted events");
    await count();
  });
  return {
    writeEvents: async (agent, batch) => {
      const result = await ingest.write(agent, decodedFor(batch, "events"));
      stored += result.accepted;
      return result;
    },
    recordHeartbeat: async (agent, beat) => {
      store.sqlite.transaction(() => recordHeartbeat(store, agent, beat)).immediate();
    },
    storedEvents: () => stored,
  };
}
