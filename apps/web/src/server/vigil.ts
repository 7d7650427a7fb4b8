import { join } from "node:path";
import { AlertDelivery } from "@vigil/api";
import { ClickHouseEventStore } from "@vigil/clickhouse";
import { type EventStore, openStore, SqliteEventStore, type Store } from "@vigil/db";
import { env } from "../env";
import { clickhouseOptions } from "./clickhouse-options";
import { log } from "./log";
import { startWriting, startWritingElsewhere, type Writer } from "./writing";

/**
 * `store`: the control plane's database; `events`: where events are kept (the same database by default);
 * `writer`: what stores what agents send (writing.ts), on this thread or its own.
 */
type Vigil = { store: Store; events: EventStore; writer: Writer };

/** The event store the environment names: SQLite (the server's database) or ClickHouse. */
function eventStore(store: Store): EventStore {
  if (env.VIGIL_EVENT_STORE === "sqlite") return new SqliteEventStore(store);
  return ClickHouseEventStore.connect(clickhouseOptions());
}

const DELIVERY_EVERY_MS = 5_000;
/** On the thread that answers requests, a group of writes holds it up at most this long. */
const GROUP_MS = 50;

function start(): Vigil {
  const store = openStore(join(env.VIGIL_DATA_DIR, "vigil.db"), env.VIGIL_MIGRATIONS_DIR);
  // The writing thread checkpoints the WAL (writing.ts). Here a commit (a session, an audit entry) that found the
  // WAL past its limit would copy up to 256 MiB back to the database while every request on this thread waits.
  if (holder.vigilWriter) store.sqlite.pragma("wal_autocheckpoint = 0");
  const events = eventStore(store);
  const writer =
    holder.vigilWriter?.(store) ??
    (events.engine === "sqlite" ? startWriting(store, GROUP_MS) : startWritingElsewhere(store, events));
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
  return { store, events, writer };
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
