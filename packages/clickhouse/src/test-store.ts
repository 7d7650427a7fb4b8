import { createClient } from "@clickhouse/client";
import { inject } from "vitest";
import { ClickHouseEventStore } from "./clickhouse-store";
import { dropDatabase } from "./test-server";

let databases = 0;

/** A store in a database of its own on the tests' server (test-global-setup.ts), dropped by `close`. */
export async function openTestStore() {
  const url = inject("clickhouseUrl");
  const database = `test_${process.pid}_${databases++}`;
  const store = await ClickHouseEventStore.open({ url, database });
  const admin = createClient({ url });
  return {
    store,
    database,
    /** What the store's own client would not do: look underneath. */
    admin,
    addHost: () => {}, // hosts are the control plane's: events name theirs
    close: async () => {
      await store.close();
      await admin.close();
      await dropDatabase(url, database);
    },
  };
}
