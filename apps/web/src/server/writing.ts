import {
  type AuthenticatedAgent,
  checkHostHealth,
  type Heartbeat,
  Ingest,
  type IngestResult,
  pruneAlertEvents,
  recordHeartbeat,
  retentionSetting,
} from "@vigil/api";
import { pruneEvents, pruneOrphans, pruneRollups, type Store } from "@vigil/db";
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
  setInterval(() => {
    try {
      checkHostHealth(store);
    } catch (error) {
      log.error({ err: error }, "host health check failed");
    }
  }, HOST_HEALTH_EVERY_MS).unref();
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
  let pruning = false;
  setInterval(() => {
    if (pruning) return;
    pruning = true;
    const retention = currentRetention(store);
    pruneEvents(store.sqlite, retention, Date.now(), {
      pause: yieldToIngest,
      count: () => ingest.storedEvents,
    })
      .then(async (deleted) => {
        ingest.removed(deleted);
        // The dashboard's counts follow the age limit (not the count limit: they are what happened, and small).
        pruneRollups(store.sqlite, Date.now() - retention.maxAgeMs);
        if (deleted > 0) {
          pruneAlertEvents(store);
          await pruneOrphans(store.sqlite, () => ingest.forgetIds(), { pause: yieldToIngest });
        }
      })
      .catch((error) => log.error({ err: error }, "retention failed"))
      .finally(() => {
        pruning = false;
      });
  }, RETENTION_EVERY_MS).unref();
  return {
    writeEvents: (agent, batch) => writes.run(() => ingest.writeIn(agent, unpack(batch))),
    recordHeartbeat: (agent, beat) => writes.run(() => recordHeartbeat(store, agent, beat)),
    storedEvents: () => ingest.storedEvents,
  };
}
