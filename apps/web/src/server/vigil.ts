import { join } from "node:path";
import { AlertDelivery, checkHostHealth, Ingest, pruneAlertEvents, retentionSetting } from "@vigil/api";
import { openStore, pruneEvents, pruneOrphans, pruneRollups, type Store } from "@vigil/db";
import { env } from "../env";
import { log } from "./log";
import { WriteTurns } from "./write-turns";

/** `writes`: the single writer's queue, where event batches and heartbeats share commits (write-turns.ts). */
type Vigil = { store: Store; ingest: Ingest; writes: WriteTurns };

const RETENTION_EVERY_MS = 60_000;
const HOST_HEALTH_EVERY_MS = 15_000;
const DELIVERY_EVERY_MS = 5_000;
const DAY_MS = 24 * 3600 * 1000;

/** What admins set in the console, else the environment's defaults; read at every run, so a change applies soon. */
function currentRetention(store: Store) {
  const chosen = retentionSetting(store);
  return {
    maxAgeMs: (chosen?.days ?? env.VIGIL_RETENTION_DAYS) * DAY_MS,
    maxEvents: chosen?.maxEvents ?? env.VIGIL_RETENTION_MAX_EVENTS,
  };
}

function start(): Vigil {
  const store = openStore(join(env.VIGIL_DATA_DIR, "vigil.db"), env.VIGIL_MIGRATIONS_DIR);
  const ingest = new Ingest(store);
  const writes = new WriteTurns(
    (work) => store.sqlite.transaction(work)(),
    () => ingest.rolledBack(),
  );
  const yieldToIngest = () => new Promise<void>((resolve) => setImmediate(resolve));
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
  setInterval(() => {
    try {
      checkHostHealth(store);
    } catch (error) {
      log.error({ err: error }, "host health check failed");
    }
  }, HOST_HEALTH_EVERY_MS).unref();
  const delivery = new AlertDelivery(store);
  let lastDeliveryError = "";
  setInterval(() => {
    delivery
      .run()
      .then(() => {
        // Said once per new failure, not every 5 s while a receiver is down.
        const error = delivery.lastError ? `${delivery.lastError.target}: ${delivery.lastError.message}` : "";
        if (error && error !== lastDeliveryError)
          log.warn({ target: delivery.lastError?.target }, `alert delivery failed: ${error}`);
        lastDeliveryError = error;
        delivery.lastError = null;
      })
      .catch((error) => log.error({ err: error }, "alert delivery failed"));
  }, DELIVERY_EVERY_MS).unref();
  return { store, ingest, writes };
}

// One store per process, also across Next's module reloads in development.
const holder = globalThis as typeof globalThis & { vigil?: Vigil };

export function vigil(): Vigil {
  holder.vigil ??= start();
  return holder.vigil;
}
