import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Spool } from "./spool";

const dir = mkdtempSync(join(tmpdir(), "vigil-spool-"));
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const json = (i: number) => JSON.stringify({ id: `e${i}`, pad: "x".repeat(80) });

describe("the agent's spool", () => {
  it("hands out contiguous batches oldest first and forgets only what was acknowledged", () => {
    const spool = new Spool(join(dir, "a.db"), 1e9);
    spool.append([0, 1, 2, 3, 4].map(json));
    const first = spool.peek(3, 1e9);
    expect(first).toMatchObject({ firstSeq: 1, lastSeq: 3, events: [0, 1, 2].map(json) });
    expect(spool.peek(3, 1e9)?.firstSeq).toBe(1); // not acknowledged: the same batch again
    spool.ack(first as NonNullable<typeof first>);
    expect(spool.peek(10, 250)).toMatchObject({ firstSeq: 4, lastSeq: 5 });
    expect(spool.peek(10, 10)?.events).toHaveLength(1); // one event even when it alone is over the byte budget
    spool.close();
  });

  it("keeps its stream, numbers and counts across restarts, never reusing a number", () => {
    const path = join(dir, "b.db");
    let spool = new Spool(path, 1e9);
    const stream = spool.stream;
    spool.append([0, 1].map(json));
    spool.ack(spool.peek(10, 1e9) as NonNullable<ReturnType<Spool["peek"]>>);
    spool.close();
    spool = new Spool(path, 1e9);
    expect(spool.stream).toBe(stream);
    spool.append([json(2)]);
    expect(spool.peek(10, 1e9)).toMatchObject({ firstSeq: 3, lastSeq: 3 });
    expect(spool.stats()).toMatchObject({ depth: 1 });
    spool.close();
  });

  it("when full drops the OLDEST events, counts them, and remembers the count", () => {
    const path = join(dir, "c.db");
    let spool = new Spool(path, 100 * json(149).length);
    expect(spool.append(Array.from({ length: 100 }, (_, i) => json(i)))).toBe(0);
    const dropped = spool.append(Array.from({ length: 50 }, (_, i) => json(100 + i)));
    expect(dropped).toBeGreaterThanOrEqual(50);
    const left = spool.peek(1000, 1e9);
    expect(left?.events.at(-1)).toBe(json(149)); // the newest are all there
    expect(left?.events[0]).toBe(json(dropped));
    expect(spool.stats()).toMatchObject({ depth: 150 - dropped, dropped });
    spool.close();
    spool = new Spool(path, 1e9);
    expect(spool.stats()).toMatchObject({ depth: 150 - dropped, dropped });
    spool.close();
  });
});
