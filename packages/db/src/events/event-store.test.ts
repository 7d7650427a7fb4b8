import { hosts } from "../schema";
import { testStore } from "../test-store";
import { SqliteEventStore } from "./event-store";
import { describeEventStore } from "./store-contract";

describeEventStore("SQLite", async () => {
  const { store, cleanup } = testStore();
  return {
    store: new SqliteEventStore(store),
    addHost: (machineId, name) => {
      store.db
        .insert(hosts)
        .values({ machineId, name, firstSeenMs: 0, lastSeenMs: 0 })
        .onConflictDoNothing()
        .run();
    },
    close: async () => cleanup(),
  };
});
