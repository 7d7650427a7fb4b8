import {
  type EventCursor,
  type EventFilter,
  type EventStore,
  hosts,
  SqliteEventStore,
  timeToNs,
} from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { eventTypes, type VigilEvent, verdicts, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openTestStore } from "./test-store";

const fleet = [
  { id: "h1", name: "alpha" },
  { id: "h2", name: "beta" },
];
const exes = ["/usr/bin/curl", "/usr/bin/python3.11", "/opt/App/Bin/tool", "/tmp/évil", "/usr/sbin/sshd"];
const argWords = ["-s", "Café", "CAFE", "example.com", "x*y", "日本", "a_b", "py", "usr/bin"];
const paths = ["/tmp/x", "/usr/bin/curl", "/home/Ana/Évil file", "/srv/日本/a b"];

const anEvent = fc.record({
  type: fc.constantFrom(...eventTypes),
  host: fc.constantFrom(...fleet),
  verdict: fc.constantFrom(...verdicts),
  pid: fc.constantFrom(1, 2, 3),
  uid: fc.constantFrom(0, 1000),
  exe: fc.constantFrom(...exes),
  filename: fc.constantFrom("curl", "/usr/bin/python3", ""),
  argv: fc.array(fc.constantFrom(...argWords), { maxLength: 4 }),
  cwd: fc.constantFrom("/", "/srv", "/home/ana"),
  parentExe: fc.option(fc.constantFrom(...exes)),
  path: fc.constantFrom(...paths),
  // Three hours, often the same second or nanosecond: order among equal times is each engine's own.
  second: fc.integer({ min: 0, max: 3 * 3600 }),
  nanos: fc.constantFrom(0, 1, 999_999_999),
});

type Spec = typeof anEvent extends fc.Arbitrary<infer T> ? T : never;

function build(spec: Spec, i: number): VigilEvent {
  const base = validEvent(spec.type) as Record<string, unknown> & { process: Record<string, unknown> };
  const time = new Date(Date.UTC(2026, 10, 28, 20, 0, 0) + spec.second * 1000).toISOString().slice(0, 19);
  const event: Record<string, unknown> = {
    ...base,
    id: `e${i}`,
    host: spec.host,
    verdict: spec.verdict,
    time: `${time}.${String(spec.nanos).padStart(9, "0")}Z`,
    process: {
      ...base.process,
      pid: spec.pid,
      uid: spec.uid,
      exe: spec.exe,
      filename: spec.filename,
      argv: spec.argv,
      cwd: spec.cwd,
    },
  };
  // exec and fork events always name the parent; others may.
  if (spec.parentExe !== null) event.parent = { pid: 9, exe: spec.parentExe, comm: "p" };
  if ("file" in base) event.file = { path: spec.path, dev: 1, inode: "2" };
  return vigilEventSchema.parse(event);
}

const aFilter: fc.Arbitrary<EventFilter> = fc.record(
  {
    types: fc.subarray([...eventTypes], { minLength: 1 }),
    verdicts: fc.subarray([...verdicts], { minLength: 1 }),
    host: fc.constantFrom("h1", "beta", "nobody"),
    pid: fc.constantFrom(1, 3),
    uid: fc.constantFrom(0, 1000),
    exe: fc.constantFrom("/usr/bin/*", "*python*", "/tmp/?vil", "*[ct]*", "/opt/App/*", "curl", "*/[^a-s]*"),
    parentExe: fc.constantFrom("*", "/usr/*", "*sshd"),
    q: fc.constantFrom(
      "cafe",
      "usr bin",
      "example com",
      "日本",
      "a b",
      "py*",
      "EXAMPLE",
      "evil",
      "srv",
      "bin curl",
    ),
    sinceNs: fc.constantFrom(1_795_888_800_000_000_000n, 1_795_892_400_000_000_000n),
    untilNs: fc.constantFrom(1_795_896_000_000_000_000n, 1_795_899_000_000_000_000n),
  },
  { requiredKeys: [] },
);

/** Every page of a filter: ids, and their times in page order. */
async function read(store: EventStore, filter: EventFilter, order: "asc" | "desc", limit: number) {
  const ids: string[] = [];
  const times: string[] = [];
  let after: EventCursor | undefined;
  for (;;) {
    const page = await store.page(filter, { order, limit, after });
    ids.push(...page.events.map((e) => e.id));
    times.push(...page.events.map((e) => e.time));
    if (!page.next) return { ids: ids.sort(), times };
    after = page.next;
  }
}

describe("ClickHouse and SQLite", () => {
  it("answer every explorer filter with the same events, in the same time order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(anEvent, { minLength: 150, maxLength: 300 }),
        fc.array(aFilter, { minLength: 15, maxLength: 25 }),
        async (specs, filters) => {
          const events = specs.map(build);
          const sqlite = testStore();
          const clickhouse = await openTestStore();
          try {
            for (const host of fleet) {
              sqlite.store.db
                .insert(hosts)
                .values({ machineId: host.id, name: host.name, firstSeenMs: 0, lastSeenMs: 0 })
                .run();
            }
            const reference = new SqliteEventStore(sqlite.store);
            await reference.append(events, 1);
            await clickhouse.store.append(events, 1);
            for (const filter of filters) {
              for (const [order, limit] of [
                ["desc", 25],
                ["asc", 40],
              ] as const) {
                const expected = await read(reference, filter, order, limit);
                expect({ filter, order, ...(await read(clickhouse.store, filter, order, limit)) }).toEqual({
                  filter,
                  order,
                  ...expected,
                });
              }
            }
          } finally {
            sqlite.cleanup();
            await clickhouse.close();
          }
        },
      ),
      { numRuns: 6, endOnFailure: true },
    );
  }, 300_000); // a guard against a hang only: thousands of queries, on cores npm test shares
});

/**
 * A host's processes: each forked by a live one (or by init, unrecorded), running a program, perhaps attaching to
 * another, exiting; pids from a small pool, so they are reused. Every event at a time of its own.
 */
const aForest = fc.array(
  fc.record({
    parent: fc.nat(),
    pid: fc.integer({ min: 2, max: 12 }),
    exe: fc.constantFrom(...exes),
    ptrace: fc.boolean(),
    exits: fc.boolean(),
    code: fc.integer({ min: 0, max: 255 }),
  }),
  { minLength: 5, maxLength: 40 },
);

function forest(specs: typeof aForest extends fc.Arbitrary<infer T> ? T : never): VigilEvent[] {
  const events: VigilEvent[] = [];
  const alive: number[] = [];
  let second = 0;
  const at = () =>
    `2026-11-28T21:${String(Math.floor(second / 60)).padStart(2, "0")}:${String(second++ % 60).padStart(2, "0")}.000000000Z`;
  const base = (type: (typeof eventTypes)[number], pid: number, ppid: number, exe: string) => {
    const fixture = validEvent(type) as Record<string, unknown> & { process: Record<string, unknown> };
    return {
      ...fixture,
      id: `p${events.length}`,
      time: at(),
      host: fleet[0],
      process: { ...fixture.process, pid, tid: pid, ppid, exe },
    };
  };
  for (const spec of specs) {
    if (alive.includes(spec.pid)) continue; // a pid is not reused while its process lives
    const ppid = alive.length ? (alive[spec.parent % alive.length] as number) : 1;
    const parent = { pid: ppid, exe: "/usr/bin/bash", comm: "bash" };
    events.push(vigilEventSchema.parse({ ...base("fork", spec.pid, ppid, "/usr/bin/bash"), parent }));
    events.push(vigilEventSchema.parse({ ...base("exec", spec.pid, ppid, spec.exe), parent }));
    if (spec.ptrace) events.push(vigilEventSchema.parse(base("ptrace", spec.pid, ppid, spec.exe)));
    alive.push(spec.pid);
    if (spec.exits) {
      const gone = alive.splice(spec.code % alive.length, 1)[0] as number;
      const exit = { ...base("exit", gone, 1, "/usr/bin/bash"), exit: { code: spec.code, signal: 0 } };
      events.push(vigilEventSchema.parse(exit));
    }
  }
  return events;
}

describe("ClickHouse and SQLite process views", () => {
  it("show every process of a host the same: ancestry, subtree, programs, exits, alerts", async () => {
    await fc.assert(
      fc.asyncProperty(
        aForest,
        fc.array(fc.nat(), { minLength: 10, maxLength: 16 }),
        async (specs, picks) => {
          const events = forest(specs);
          const sqlite = testStore();
          const clickhouse = await openTestStore();
          try {
            sqlite.store.db
              .insert(hosts)
              .values({ machineId: "h1", name: "alpha", firstSeenMs: 0, lastSeenMs: 0 })
              .run();
            const reference = new SqliteEventStore(sqlite.store);
            await reference.append(events, 1);
            await clickhouse.store.append(events, 1);
            for (const pick of picks) {
              const event = events[pick % events.length] as VigilEvent;
              const at = timeToNs(event.time);
              const expected = await reference.processTree("h1", event.process.pid, at);
              expect({
                pid: event.process.pid,
                at,
                tree: await clickhouse.store.processTree("h1", event.process.pid, at),
              }).toEqual({
                pid: event.process.pid,
                at,
                tree: expected,
              });
            }
          } finally {
            sqlite.cleanup();
            await clickhouse.close();
          }
        },
      ),
      { numRuns: 10, endOnFailure: true },
    );
  }, 300_000); // a guard against a hang only: thousands of queries, on cores npm test shares
});
