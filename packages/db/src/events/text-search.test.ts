import { type VigilEvent, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../client";
import { testStore } from "../test-store";
import { queryEvents } from "./query";
import { EventWriter } from "./writer";

let store: ReturnType<typeof testStore>;
let writer: EventWriter;
let n = 0;
beforeEach(() => {
  store = testStore();
  writer = new EventWriter(store.store.sqlite);
});
afterEach(() => store.cleanup());

/** Stores `count` execs, each a program of its own; every third without the word "common". */
function execs(count: number): void {
  const fixture = validEvent("exec") as VigilEvent & { process: object };
  store.store.sqlite.transaction(() => {
    for (let i = 0; i < count; i++, n++) {
      const word = n % 3 === 0 ? "rare" : "common";
      const event = vigilEventSchema.parse({
        ...fixture,
        id: `e-${n}`,
        time: `${new Date(Date.UTC(2026, 10, 30) + n * 1000).toISOString().slice(0, 19)}.000000000Z`,
        process: { ...fixture.process, argv: ["/usr/bin/tool", word, `run-${n}`] },
      });
      writer.insert(store.hostId, event);
    }
  })();
}

/** The ids of the first pages of a search, from this connection and from a new one (which remembers nothing). */
function pages(q: string) {
  const read = (sqlite: typeof store.store.sqlite) => {
    const ids: string[] = [];
    let after: Parameters<typeof queryEvents>[2]["after"];
    for (let page = 0; page < 3; page++) {
      const found = queryEvents(sqlite, { q }, { order: "desc", limit: 100, after });
      ids.push(...found.events.map((e) => e.id));
      if (!found.next) break;
      after = found.next;
    }
    return ids;
  };
  const fresh = openStore(store.store.sqlite.name);
  try {
    return { kept: read(store.store.sqlite), fresh: read(fresh.sqlite) };
  } finally {
    fresh.close();
  }
}

describe("a text search's kept answers", () => {
  it("find what a connection that kept nothing finds, while new command lines arrive between the searches", () => {
    execs(1_800); // 1,200 programs with the word, over a thousand: the search walks events, asking about each
    const first = pages("common");
    expect(first.kept).toHaveLength(300);
    expect(first.kept).toEqual(first.fresh);
    execs(300);
    const later = pages("common");
    expect(later.kept).toEqual(later.fresh);
    expect(later.kept[0]).toBe("e-2099"); // the newest, stored after the first search
    expect(later.kept).not.toContain("e-2097"); // one of every third, without the word
    const other = pages("tool"); // in every command line: its answers are its own, not the first search's
    expect(other.kept).toEqual(other.fresh);
    expect(other.kept).toContain("e-2097");
  });
});
