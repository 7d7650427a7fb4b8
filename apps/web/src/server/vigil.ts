import { join } from "node:path";
import { AlertDelivery } from "@vigil/api";
import { openStore, type Store } from "@vigil/db";
import { env } from "../env";
import { log } from "./log";
import { startWriting, type Writer } from "./writing";

/** `writer`: the one that stores what agents send (writing.ts), on this thread or its own. */
type Vigil = { store: Store; writer: Writer };

const DELIVERY_EVERY_MS = 5_000;
/** On the thread that answers requests, a group of writes holds it up at most this long. */
const GROUP_MS = 50;

function start(): Vigil {
  const store = openStore(join(env.VIGIL_DATA_DIR, "vigil.db"), env.VIGIL_MIGRATIONS_DIR);
  // The writing thread checkpoints the WAL (writing.ts). Here a commit (a session, an audit entry) that found the
  // WAL past its limit would copy up to 256 MiB back to the database while every request on this thread waits.
  if (holder.vigilWriter) store.sqlite.pragma("wal_autocheckpoint = 0");
  const writer = holder.vigilWriter?.(store) ?? startWriting(store, GROUP_MS);
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
  return { store, writer };
}

// One store per process, also across Next's module reloads in development.
const holder = globalThis as typeof globalThis & { vigil?: Vigil; vigilWriter?: (store: Store) => Writer };

/** Before the first `vigil()`: writes go to the writer `make` returns (the server's writing thread). */
export function installWriter(make: (store: Store) => Writer): void {
  holder.vigilWriter = make;
}

export function vigil(): Vigil {
  holder.vigil ??= start();
  return holder.vigil;
}
