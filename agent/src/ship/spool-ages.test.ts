import { describe, expect, it } from "vitest";
import { SpoolAges } from "./spool-ages";

describe("spool ages", () => {
  it("tells how long acknowledged events waited, across batches that split an append", () => {
    const ages = new SpoolAges();
    ages.appended(1, 10, 1000);
    ages.appended(11, 12, 1500);
    expect(ages.acked(1, 4, 2000)).toEqual([{ ageMs: 1000, events: 4 }]);
    expect(ages.acked(5, 11, 3000)).toEqual([
      { ageMs: 2000, events: 6 },
      { ageMs: 1500, events: 1 },
    ]);
    expect(ages.acked(12, 12, 3500)).toEqual([{ ageMs: 2000, events: 1 }]);
    expect(ages.acked(13, 20, 4000)).toEqual([]); // spooled before this start: not measured
  });

  it("forgets events dropped from the spool (never acknowledged)", () => {
    const ages = new SpoolAges();
    ages.appended(1, 100, 0);
    ages.appended(101, 200, 10);
    expect(ages.acked(150, 160, 100)).toEqual([{ ageMs: 90, events: 11 }]);
    expect(ages.acked(161, 200, 200)).toEqual([{ ageMs: 190, events: 40 }]);
  });

  it("stays bounded while the server is away, keeping the older time of merged appends", () => {
    const ages = new SpoolAges(4);
    for (let i = 0; i < 20; i++) ages.appended(i * 10 + 1, i * 10 + 10, i * 1000);
    const acked = ages.acked(1, 200, 60_000);
    expect(acked.reduce((n, a) => n + a.events, 0)).toBe(200);
    expect(acked.length).toBeLessThanOrEqual(5);
    expect(acked[0]?.ageMs).toBe(60_000);
    const waited = (list: { ageMs: number; events: number }[]) =>
      list.reduce((sum, a) => sum + a.ageMs * a.events, 0);
    const truly = Array.from({ length: 20 }, (_, i) => ({ ageMs: 60_000 - i * 1000, events: 10 }));
    expect(waited(acked)).toBeGreaterThanOrEqual(waited(truly));
  });
});
