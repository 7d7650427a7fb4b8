import { type VigilEvent, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testStore } from "../test-store";
import { type GlobOver, ProgramGlobs } from "./program-globs";
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

const sorted = (ids: number[] | null) => [...(ids ?? [])].sort((a, b) => a - b);

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
    expect(globsOf.matching("exe", "/opt/*")).toEqual([]);
    const { sqlite } = store.store;
    sqlite.exec("BEGIN");
    exec("/opt/rolled-back");
    expect(globsOf.matching("exe", "/opt/*")).toHaveLength(1);
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
