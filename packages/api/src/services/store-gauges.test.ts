import { hosts } from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { afterEach, describe, expect, it } from "vitest";
import { hostsByStatus, storeFileBytes } from "./store-gauges";

let cleanup = () => {};
afterEach(() => cleanup());

describe("store gauges", () => {
  it("count hosts by the status their last heartbeat gives them", () => {
    const t = testStore(); // one host, last seen at 0
    cleanup = t.cleanup;
    const nowMs = 1_000_000_000;
    t.store.db
      .insert(hosts)
      .values([
        { machineId: "m-2", name: "web-2", firstSeenMs: 0, lastSeenMs: nowMs - 1000 },
        { machineId: "m-3", name: "web-3", firstSeenMs: 0, lastSeenMs: nowMs - 2000 },
        { machineId: "m-4", name: "web-4", firstSeenMs: 0, lastSeenMs: nowMs - 120_000 },
      ])
      .run();
    expect(hostsByStatus(t.store, nowMs)).toEqual({ online: 2, stale: 1, offline: 1 });
  });

  it("size the database file and its write-ahead log", () => {
    const t = testStore();
    cleanup = t.cleanup;
    const sizes = storeFileBytes(t.store);
    expect(Object.keys(sizes)).toEqual(["vigil.db", "vigil.db-wal"]);
    expect(sizes["vigil.db"]).toBeGreaterThan(0);
    expect(sizes["vigil.db-wal"]).toBeGreaterThan(0); // the test host's insert is still in the log
  });
});
