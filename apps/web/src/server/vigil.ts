import { join } from "node:path";
import { Ingest, pruneAlertEvents } from "@vigil/api";
import { openStore, pruneEvents, pruneOrphans, pruneRollups, type Store } from "@vigil/db";
import { env } from "../env";

type Vigil = { store: Store; ingest: Ingest };

const RETENTION_EVERY_MS = 60_000;

function start(): Vigil {
  const store = openStore(join(env.VIGIL_DATA_DIR, "vigil.db"), env.VIGIL_MIGRATIONS_DIR);
  const ingest = new Ingest(store);
  const retention = {
    maxAgeMs: env.VIGIL_RETENTION_DAYS * 24 * 3600 * 1000,
    maxEvents: env.VIGIL_RETENTION_MAX_EVENTS,
  };
  const yieldToIngest = () => new Promise<void>((resolve) => setImmediate(resolve));
  let pruning = false;
  setInterval(() => {
    if (pruning) return;
    pruning = true;
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
      .catch((error) => console.error("vigil: retention failed:", error))
      .finally(() => {
        pruning = false;
      });
  }, RETENTION_EVERY_MS).unref();
  return { store, ingest };
}

// One store per process, also across Next's module reloads in development.
const holder = globalThis as typeof globalThis & { vigil?: Vigil };

export function vigil(): Vigil {
  holder.vigil ??= start();
  return holder.vigil;
}
