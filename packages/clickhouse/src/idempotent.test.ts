import { vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import { eventLine, LINE_COLUMNS } from "./rows";
import { openTestStore } from "./test-store";

let close = async () => {};
afterEach(() => close());

const batch = Array.from({ length: 300 }, (_, i) =>
  vigilEventSchema.parse({
    ...validEvent("exec"),
    id: `e${i}`,
    time: `2026-11-28T22:0${Math.floor(i / 60)}:${String(i % 60).padStart(2, "0")}.000000000Z`,
  }),
);

describe("a batch sent again to ClickHouse", () => {
  it("is stored and counted once", async () => {
    const opened = await openTestStore();
    close = opened.close;
    await opened.store.append(batch, 1);
    await opened.store.append(batch.slice(100, 200), 2); // the answer was lost; the agent sent part of it again
    const page = await opened.store.page({}, { order: "asc", limit: 1000 });
    expect(page.events.map((e) => e.id)).toEqual(batch.map((e) => e.id));
    expect(page.receivedMs.every((ms) => ms === 1)).toBe(true);
    const counts = await opened.store.counts({ fromMinute: 0, toMinute: 2 ** 40, bucketMinutes: 60 });
    expect(counts.reduce((sum, c) => sum + c.count, 0)).toBe(300);
  });

  it("is read once even when two nodes store it at the same moment", async () => {
    const opened = await openTestStore();
    close = opened.close;
    // Until merges come round: they would fold the copies into one, and this test would check nothing.
    await opened.admin.command({ query: `SYSTEM STOP MERGES ${opened.database}.events` });
    await opened.store.append(batch, 1);
    // What the other node wrote: it looked before this one's rows were there.
    await opened.admin.command({
      query: `INSERT INTO ${opened.database}.events (${LINE_COLUMNS}) FORMAT TabSeparated\n${batch.map((e) => eventLine(e, 1)).join("\n")}\n`,
    });
    const stored = await opened.admin.query({
      query: `SELECT count() AS n FROM ${opened.database}.events`,
      format: "JSONEachRow",
    });
    expect(await stored.json()).toEqual([{ n: "600" }]);
    for (const order of ["asc", "desc"] as const) {
      const ids: string[] = [];
      for (let page = await opened.store.page({}, { order, limit: 70 }); ; ) {
        ids.push(...page.events.map((e) => e.id));
        if (!page.next) break;
        page = await opened.store.page({}, { order, limit: 70, after: page.next });
      }
      expect(new Set(ids).size).toBe(300);
      expect(ids).toHaveLength(300);
    }
  });
});
