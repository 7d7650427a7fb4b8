// What the explorer keeps between queries, per connection: the programs a glob matches, and a search's answers.
import { type VigilEvent, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openStore } from "../client";
import { testStore } from "../test-store";
import { type GlobOver, ProgramGlobs } from "./program-globs";
import { queryEvents } from "./query";
import { EventWriter } from "./writer";

let store: ReturnType<typeof testStore>;
let writer: EventWriter;
let n = 0;
beforeEach(() => {
  n = 0;
  store = testStore();
  writer = new EventWriter(store.store.sqlite);
});
afterEach(() => store.cleanup());

/** Stores an exec of `exe` run as `filename` with a parent `parentExe`: a new program each time (its argv). */
function exec(exe: string, filename = exe, parentExe = "/usr/bin/bash"): VigilEvent {
  const fixture = validEvent("exec") as VigilEvent & { process: object; parent: object };
  n++;
  const event = vigilEventSchema.parse({
    ...fixture,
    id: `e-${n}`,
    process: { ...fixture.process, exe, filename, argv: [filename, `run-${n}`] },
    parent: { ...fixture.parent, exe: parentExe },
  });
  writer.insert(store.hostId, event);
  return event;
}

const scanned = (over: GlobOver, glob: string) =>
  (
    store.store.sqlite
      .prepare(
        over === "exe"
          ? "SELECT id FROM programs WHERE exe GLOB ?"
          : "SELECT id FROM programs WHERE exe GLOB ? OR filename GLOB ?",
      )
      .pluck()
      .all(...(over === "exe" ? [glob] : [glob, glob])) as number[]
  ).sort((a, b) => a - b);

const sorted = (ids: Iterable<number> | null) => [...(ids ?? [])].sort((a, b) => a - b);

describe("the programs a glob matches, remembered", () => {
  const paths = [
    "/usr/bin/python3",
    "/usr/bin/python3.11",
    "/usr/bin/curl",
    "/tmp/x[1]",
    "/opt/é/run",
    "python3",
  ];
  const globs = [
    "/usr/bin/python*",
    "*python*",
    "/usr/bin/curl",
    "/tmp/x[[]1]",
    "*",
    "/opt/?/*",
    "python3",
    "[/]*",
  ];

  it("are those a scan of every program finds, while programs keep arriving between the questions", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              add: fc.array(fc.tuple(fc.constantFrom(...paths), fc.constantFrom(...paths)), { maxLength: 5 }),
            }),
            fc.record({
              ask: fc.tuple(fc.constantFrom<GlobOver>("exe", "exe or filename"), fc.constantFrom(...globs)),
            }),
          ),
          { maxLength: 30 },
        ),
        (steps) => {
          const globsOf = new ProgramGlobs(store.store.sqlite);
          for (const step of steps) {
            if ("add" in step) for (const [exe, filename] of step.add) exec(exe, filename);
            else expect(sorted(globsOf.matching(...step.ask))).toEqual(scanned(...step.ask));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("remembers nothing its connection saw inside a transaction that was then rolled back", () => {
    const globsOf = new ProgramGlobs(store.store.sqlite);
    exec("/usr/bin/curl");
    expect(globsOf.matching("exe", "/opt/*")?.size).toBe(0);
    const { sqlite } = store.store;
    sqlite.exec("BEGIN");
    exec("/opt/rolled-back");
    expect(globsOf.matching("exe", "/opt/*")?.size).toBe(1);
    sqlite.exec("ROLLBACK");
    exec("/usr/bin/sed"); // the id the rolled-back program had
    const opt = exec("/opt/kept");
    expect(sorted(globsOf.matching("exe", "/opt/*"))).toEqual(scanned("exe", "/opt/*"));
    expect(scanned("exe", "/opt/*")).toHaveLength(1);
    expect(
      queryEvents(sqlite, { exe: "/opt/*" }, { order: "desc", limit: 10 }).events.map((e) => e.id),
    ).toEqual([opt.id]);
  });

  it("answers null past the most it keeps, and the explorer then matches in SQL: the same events", () => {
    const globsOf = new ProgramGlobs(store.store.sqlite, 3);
    const ids = [1, 2, 3, 4].map(() => exec("/usr/bin/python3").id);
    expect(globsOf.matching("exe", "/usr/bin/python3")).toBeNull();
    const page = queryEvents(store.store.sqlite, { exe: "/usr/bin/python3" }, { order: "asc", limit: 10 });
    expect(page.events.map((e) => e.id)).toEqual(ids);
    // Remembered as too many: asked again after more programs arrived, it scans nothing.
    exec("/usr/bin/python3");
    const statement = Object.getPrototypeOf(store.store.sqlite.prepare("SELECT 1"));
    const scans = vi.spyOn(statement, "iterate");
    try {
      expect(globsOf.matching("exe", "/usr/bin/python3")).toBeNull();
      expect(scans).not.toHaveBeenCalled();
    } finally {
      scans.mockRestore();
    }
  });

  it("filters the explorer on a parent's path with the same matches", () => {
    const child = exec("/usr/bin/id", "/usr/bin/id", "/usr/sbin/sshd");
    exec("/usr/bin/id", "/usr/bin/id", "/usr/bin/bash");
    const page = () => queryEvents(store.store.sqlite, { parentExe: "*/sshd" }, { order: "desc", limit: 10 });
    expect(page().events.map((e) => e.id)).toEqual([child.id]);
    const later = exec("/usr/bin/w", "/usr/bin/w", "/usr/sbin/sshd"); // after the glob was remembered
    expect(page().events.map((e) => e.id)).toEqual([later.id, child.id]);
  });
});

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
