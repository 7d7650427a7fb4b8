import { eventTypes, type VigilEvent, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import type { EventRef, EventStore } from "./event-store";
import type { EventCursor, EventFilter } from "./query";
import { nsToTime } from "./time";

/** An empty store, and how to make a host exist in it (as enrollment does). */
export type OpenedStore = {
  store: EventStore;
  addHost(id: string, name: string): void;
  close(): Promise<void>;
};

const event = (type: (typeof eventTypes)[number], changes: Record<string, unknown> = {}): VigilEvent =>
  vigilEventSchema.parse({ ...validEvent(type), ...changes });

const process = (changes: Record<string, unknown>) => ({
  ...(validEvent("exec") as { process: Record<string, unknown> }).process,
  ...changes,
});

const at = (second: number) =>
  `2026-11-28T22:${String(Math.floor(second / 60)).padStart(2, "0")}:${String(second % 60).padStart(2, "0")}.000000000Z`;

/** Every page of `filter` in `order`, `limit` at a time: the ids as the explorer reads them. */
async function everyPage(
  store: EventStore,
  filter: EventFilter,
  order: "asc" | "desc",
  limit: number,
): Promise<string[]> {
  const seen: string[] = [];
  let after: EventCursor | undefined;
  for (;;) {
    const page = await store.page(filter, { order, limit, after });
    seen.push(...page.events.map((e) => e.id));
    if (!page.next) return seen;
    after = page.next;
  }
}

/** The few events the filter tests read, oldest first, as the explorer sees a small fleet. */
function fleet(): VigilEvent[] {
  const db = { id: "host-db", name: "db-1" };
  return [
    event("exec", {
      id: "curl",
      time: at(1),
      process: process({ pid: 100, uid: 0, argv: ["curl", "-s", "https://Example.com/Café"] }),
    }),
    event("exec", {
      id: "python",
      time: at(2),
      host: db,
      verdict: "audit",
      policy: { id: "p", version: 1, rule: "r" },
      parent: { pid: 1, exe: "/usr/sbin/sshd", comm: "sshd" },
      process: process({
        pid: 200,
        comm: "python3",
        exe: "/usr/bin/python3.11",
        filename: "/usr/bin/python3",
        argv: ["python3", "-c", "import os; os.system('id')"],
        cwd: "/srv",
      }),
    }),
    event("unlink_running", {
      id: "rm",
      time: at(3),
      file: { path: "/tmp/Évil dropper", dev: 1, inode: "2" },
      running: { pids: [7] },
      process: process({
        comm: "rm",
        exe: "/usr/bin/rm",
        filename: "rm",
        argv: ["rm", "-f", "/tmp/x"],
        cwd: "/",
      }),
    }),
    event("ptrace", {
      id: "gdb",
      time: at(4),
      host: db,
      verdict: "denied",
      process: process({
        pid: 300,
        comm: "gdb",
        exe: "/usr/bin/gdb",
        filename: "gdb",
        argv: ["gdb", "-p", "7"],
      }),
    }),
    event("fork", { id: "fork", time: at(5), process: process({ pid: 400 }) }),
    event("exit", { id: "exit", time: at(6), process: process({ pid: 400 }) }),
  ];
}

const t0 = 1_795_903_200_000_000_000n; // 2026-11-28T22:00:00Z
const second = (s: number) => t0 + BigInt(s) * 1_000_000_000n;

/** One process's event at second `s`, as the sensor reports it (exec and fork name the parent). */
function processEvent(
  type: (typeof eventTypes)[number],
  pid: number,
  ppid: number,
  s: number,
  extra: Record<string, unknown> = {},
): VigilEvent {
  const { process: changes, ...rest } = extra;
  return event(type, {
    id: `p${pid}-${type}-${s}`,
    time: nsToTime(second(s)),
    process: process({ pid, tid: pid, ppid, ...(changes as object) }),
    ...(type === "exec" || type === "fork" ? { parent: { pid: ppid, exe: "/sbin/init", comm: "init" } } : {}),
    ...rest,
  });
}

const execOf = (pid: number, ppid: number, s: number, exe: string) =>
  processEvent("exec", pid, ppid, s, {
    process: { exe, argv: [exe.split("/").at(-1), "-x"], comm: exe.slice(-15) },
  });

/** init (1, not recorded) -> bash 100 -> curl 200 (ptrace); sh 300 -> ls 400; later a new 200 runs true. */
export const processHistory = () => [
  processEvent("fork", 100, 1, 1),
  execOf(100, 1, 2, "/usr/bin/bash"),
  processEvent("fork", 200, 100, 10),
  execOf(200, 100, 11, "/usr/bin/curl"),
  processEvent("ptrace", 200, 100, 12),
  processEvent("exit", 200, 100, 13, { exit: { code: 7, signal: 0 } }),
  processEvent("fork", 300, 100, 20),
  execOf(300, 100, 21, "/bin/sh"),
  processEvent("fork", 400, 300, 22),
  execOf(400, 300, 23, "/bin/ls"),
  processEvent("exit", 400, 300, 24, { exit: { code: 0, signal: 0 } }),
  processEvent("exit", 300, 100, 25, { exit: { code: 0, signal: 9 } }),
  processEvent("fork", 200, 100, 30),
  execOf(200, 100, 31, "/usr/bin/true"),
  processEvent("exit", 200, 100, 32, { exit: { code: 0, signal: 0 } }),
];

type Node = { pid: number; exe: string; children: Node[] };
const shape = (node: Node): unknown => ({ pid: node.pid, exe: node.exe, children: node.children.map(shape) });

/** What every event store must do, run against each of them (SQLite here, ClickHouse in packages/clickhouse). */
export function describeEventStore(name: string, open: () => Promise<OpenedStore>): void {
  describe(`the event store contract: ${name}`, () => {
    let opened: OpenedStore | undefined;
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });
    const setup = async () => {
      opened = await open();
      opened.addHost("host-7f3a", "web-1");
      opened.addHost("host-db", "db-1");
      return opened.store;
    };

    it("reads back every event type exactly as it was written, with when it was received", async () => {
      const store = await setup();
      const written = eventTypes.map((type, i) => event(type, { time: at(i) }));
      await store.append(written, 1_764_367_758_000);
      const page = await store.page({}, { order: "asc", limit: 100 });
      expect(page.events).toEqual(written);
      expect(page.receivedMs).toEqual(written.map(() => 1_764_367_758_000));
      expect(page.next).toBeNull();
    });

    it("finds events again by the references it gave for them", async () => {
      const store = await setup();
      const written = fleet();
      const refs = await store.append(written, 1);
      expect(refs).toHaveLength(written.length);
      const found = await store.byRef([refs[0], refs[3], { timeNs: 5n, seq: 999_999n }] as EventRef[]);
      expect(found.map((f) => f.event)).toEqual([written[3], written[0]]); // newest first; the unknown one left out
      expect(found.map((f) => f.ref)).toEqual([refs[3], refs[0]]);
      expect(await store.byRef([])).toEqual([]);
    });

    it("keeps optional members, policies, huge numbers and hostile strings", async () => {
      const store = await setup();
      const written = [
        event("exec", {
          id: "b00t-ffffffffffffffff-1-exec",
          time: "2262-04-11T23:47:16.854775807Z",
          verdict: "audit",
          sensor: "lsm",
          policy: { id: "protect", version: 3, rule: "no-curl" },
          process: process({
            argv: ["sh", "-c", "<script>alert(1)</script>\n\u0000\u001b[31m'\\", "x".repeat(6000)],
            cgroupId: "18446744073709551615",
            containerId: "c0ffee",
            sha256: "a".repeat(64),
            exeDeleted: true,
            memfd: true,
          }),
          file: { path: "/memfd:x (deleted)", dev: 4294967295, inode: "18446744073709551615" },
          script: { path: "/tmp/s.sh", interpreter: "/bin/sh" },
          truncated: ["process.argv"],
        }),
        event("ptrace", {
          request: "PTRACE_POKEDATA",
          error: "EPERM",
          time: "1970-01-01T00:00:00.000000001Z",
        }),
        event("unlink_running", { running: { pids: [] } }),
      ];
      await store.append(written, 1);
      const page = await store.page({}, { order: "asc", limit: 100 });
      expect(page.events).toEqual([written[1], written[2], written[0]]);
    });

    it("pages through equal times with a keyset cursor, each event once, in order, both ways", async () => {
      const store = await setup();
      const events = Array.from({ length: 250 }, (_, i) => event("exit", { id: `x${i}`, time: at(i % 2) }));
      await store.append(events, 1);
      for (const order of ["asc", "desc"] as const) {
        const seen = await everyPage(store, {}, order, 40);
        expect(new Set(seen).size).toBe(250);
        const times = seen.map((id) => at(Number(id.slice(1)) % 2));
        const sorted = [...times].sort();
        expect(times).toEqual(order === "asc" ? sorted : sorted.reverse());
      }
    });

    it("filters as the explorer asks: every filter alone and together", async () => {
      const store = await setup();
      await store.append(fleet(), 1);
      const ids = async (filter: EventFilter) =>
        (await store.page(filter, { order: "asc", limit: 100 })).events.map((e) => e.id);
      expect(await ids({})).toEqual(["curl", "python", "rm", "gdb", "fork", "exit"]);
      expect(await ids({ types: ["exec", "ptrace"] })).toEqual(["curl", "python", "gdb"]);
      expect(await ids({ verdicts: ["audit", "denied"] })).toEqual(["python", "gdb"]);
      expect(await ids({ host: "host-db" })).toEqual(["python", "gdb"]);
      expect(await ids({ host: "db-1" })).toEqual(["python", "gdb"]);
      expect(await ids({ host: "nowhere" })).toEqual([]);
      expect(await ids({ pid: 400 })).toEqual(["fork", "exit"]);
      expect(await ids({ uid: 0 })).toEqual(["curl"]);
      expect(await ids({ sinceNs: 1_795_903_202_000_000_000n, untilNs: 1_795_903_204_000_000_000n })).toEqual(
        ["python", "rm"],
      );
      // Globs: over the executable or the path exec was given, case-sensitive; a parent's only where there is one.
      expect(await ids({ exe: "/usr/bin/python*" })).toEqual(["python"]);
      expect(await ids({ exe: "/usr/bin/python3" })).toEqual(["python"]);
      expect(await ids({ exe: "/usr/bin/[cg]*" })).toEqual(["curl", "gdb", "fork", "exit"]);
      expect(await ids({ exe: "/usr/bin/[^cg]*" })).toEqual(["python", "rm"]);
      expect(await ids({ exe: "/USR/*" })).toEqual([]);
      expect(await ids({ exe: "?usr?bin?rm" })).toEqual(["rm"]);
      expect(await ids({ parentExe: "*" })).toEqual(["curl", "python", "fork"]);
      expect(await ids({ parentExe: "*/sshd" })).toEqual(["python"]);
      // Text: words in order, any case, accents aside; a trailing * makes the last a prefix; a file's path too.
      expect(await ids({ q: "example com" })).toEqual(["curl", "fork", "exit"]);
      expect(await ids({ q: "EXAMPLE.COM/cafe" })).toEqual(["curl"]);
      expect(await ids({ q: "com example" })).toEqual([]);
      expect(await ids({ q: "exam" })).toEqual([]);
      expect(await ids({ q: "exam*" })).toEqual(["curl", "fork", "exit"]);
      expect(await ids({ q: "os system" })).toEqual(["python"]);
      expect(await ids({ q: "evil dropper" })).toEqual(["rm"]);
      expect(await ids({ q: "srv" })).toEqual(["python"]);
      expect(await ids({ q: "python3 usr" })).toEqual([]); // comm and exe are fields apart
      expect(await ids({ q: "-p 7" })).toEqual(["gdb"]);
      // Together.
      expect(await ids({ host: "web-1", types: ["exec", "unlink_running"], q: "usr bin*" })).toEqual([
        "curl",
        "rm",
      ]);
      expect(await ids({ exe: "/usr/bin/*", parentExe: "/usr/bin/bash", pid: 400 })).toEqual(["fork"]);
    });

    it("pages a rare match out of many events, each page full until the last", async () => {
      const store = await setup();
      const many = Array.from({ length: 3000 }, (_, i) =>
        event("fork", {
          id: `f${i}`,
          time: `2026-11-28T${String(10 + Math.floor(i / 600)).padStart(2, "0")}:${String(Math.floor(i / 10) % 60).padStart(2, "0")}:0${i % 10}.000000000Z`,
          process: process({ pid: i % 97 === 0 ? 7 : 8 }),
        }),
      );
      await store.append(many, 1);
      const expected = many.filter((e) => e.process.pid === 7).map((e) => e.id);
      expect(await everyPage(store, { pid: 7 }, "asc", 5)).toEqual(expected);
      expect(await everyPage(store, { pid: 7 }, "desc", 5)).toEqual([...expected].reverse());
      expect(await everyPage(store, {}, "desc", 700)).toEqual(many.map((e) => e.id).reverse());
    });

    it("pages through a minute crowded with events, each page full, each event once", async () => {
      const store = await setup();
      const crowded = Array.from({ length: 3000 }, (_, i) =>
        event("exit", {
          id: `c${i}`,
          time: nsToTime(second(0) + BigInt(i) * 15_000_000n + BigInt(i % 7)),
          process: process({ pid: i % 50 === 0 ? 7 : 8 }),
        }),
      );
      await store.append(crowded, 1);
      const ids = crowded.map((e) => e.id);
      expect(await everyPage(store, {}, "desc", 70)).toEqual([...ids].reverse());
      expect(await everyPage(store, {}, "asc", 70)).toEqual(ids);
      const rare = crowded.filter((e) => e.process.pid === 7).map((e) => e.id);
      expect(await everyPage(store, { pid: 7 }, "desc", 7)).toEqual([...rare].reverse());
      expect(await everyPage(store, { pid: 7 }, "asc", 7)).toEqual(rare);
    });

    it("finds where the newest events begin, to read them oldest first", async () => {
      const store = await setup();
      await store.append(fleet(), 1);
      const start = await store.newestStart({ host: "web-1" }, 2);
      const page = await store.page({ host: "web-1" }, { order: "asc", limit: 10, after: start });
      expect(page.events.map((e) => e.id)).toEqual(["fork", "exit"]);
      expect(await store.newestStart({ host: "nowhere" }, 2)).toBeUndefined();
    });

    it("counts events per bucket, host and type, and the executables run most", async () => {
      const store = await setup();
      const minute = 29_931_729; // 2026-11-28T22:09Z
      const atMinute = (m: number, i: number) =>
        new Date(m * 60_000 + i).toISOString().replace("Z", "000000Z");
      const events = [
        ...Array.from({ length: 5 }, (_, i) => event("exec", { id: `a${i}`, time: atMinute(minute, i) })),
        ...Array.from({ length: 3 }, (_, i) =>
          event("exec", {
            id: `b${i}`,
            time: atMinute(minute + 1, i),
            host: { id: "host-db", name: "db-1" },
            process: process({ exe: "/usr/bin/python3" }),
          }),
        ),
        event("fork", { id: "c", time: atMinute(minute + 2, 0) }),
        event("exec", { id: "later", time: atMinute(minute + 100, 0) }),
      ];
      await store.append(events, 1);
      const sorted = (counts: Awaited<ReturnType<EventStore["counts"]>>) =>
        [...counts].sort(
          (a, b) =>
            a.bucketMinute - b.bucketMinute || a.host.localeCompare(b.host) || a.type.localeCompare(b.type),
        );
      expect(
        sorted(await store.counts({ fromMinute: minute, toMinute: minute + 59, bucketMinutes: 2 })),
      ).toEqual([
        { bucketMinute: minute - 1, host: "host-7f3a", type: "exec", count: 5 },
        { bucketMinute: minute + 1, host: "host-7f3a", type: "fork", count: 1 },
        { bucketMinute: minute + 1, host: "host-db", type: "exec", count: 3 },
      ]);
      const hour = Math.floor(minute / 60) * 60;
      expect(
        sorted(await store.counts({ fromMinute: minute, toMinute: minute + 300, bucketMinutes: 360 })),
      ).toEqual([
        { bucketMinute: Math.floor(hour / 360) * 360, host: "host-7f3a", type: "exec", count: 6 },
        { bucketMinute: Math.floor(hour / 360) * 360, host: "host-7f3a", type: "fork", count: 1 },
        { bucketMinute: Math.floor(hour / 360) * 360, host: "host-db", type: "exec", count: 3 },
      ]);
      const ofHosts = (hosts: string[]) =>
        store.counts({ fromMinute: minute, toMinute: minute + 59, bucketMinutes: 1, hosts });
      expect(await ofHosts(["host-db"])).toEqual([
        { bucketMinute: minute + 1, host: "host-db", type: "exec", count: 3 },
      ]);
      expect(await ofHosts([])).toEqual([]);
      expect(
        await store.topExecutables({ fromMinute: minute, toMinute: minute + 1, bucketMinutes: 2 }, 10),
      ).toEqual([
        { exe: "/usr/bin/curl", count: 5 },
        { exe: "/usr/bin/python3", count: 3 },
      ]);
      expect(
        await store.topExecutables({ fromMinute: minute, toMinute: minute, bucketMinutes: 2 }, 1),
      ).toEqual([{ exe: "/usr/bin/curl", count: 5 }]);
    });

    it("tells a live tail what arrived after where it was, in arrival order, a batch after another", async () => {
      const store = await setup();
      await store.append(fleet().slice(0, 2), 1_000);
      const start = await store.tailStart();
      const first = fleet().slice(2, 5);
      const second = fleet().slice(5);
      await store.append(first, 2_000);
      await store.append(second, 3_000);
      const ids = (found: { events: { event: VigilEvent }[] }) => found.events.map((e) => e.event.id).sort();
      const all = await store.arrivedAfter({}, start, 100);
      expect(ids({ events: all.events.slice(0, 3) })).toEqual(first.map((e) => e.id).sort());
      expect(all.events.slice(3).map((e) => e.event.id)).toEqual(second.map((e) => e.id));
      expect(all.cursor).toBe(all.events.at(-1)?.cursor);
      expect(all.caughtUp).toBe(true);
      expect(await store.arrivedAfter({}, all.cursor, 100)).toEqual({
        events: [],
        cursor: all.cursor,
        caughtUp: true,
      });
      // A page at a time, from where the last one ended.
      const two = await store.arrivedAfter({}, start, 2);
      expect(two.caughtUp).toBe(false);
      const rest = await store.arrivedAfter({}, two.cursor, 100);
      expect([...two.events, ...rest.events].map((e) => e.event.id)).toEqual(
        all.events.map((e) => e.event.id),
      );
      // With a filter: only what matches, and the cursor moves on past what does not.
      const filtered = await store.arrivedAfter({ host: "db-1" }, start, 100);
      expect(filtered.events.map((e) => e.event.id)).toEqual(["gdb"]);
      expect((await store.arrivedAfter({ host: "db-1" }, filtered.cursor, 100)).events).toEqual([]);
    });

    it("shows a process: its ancestry, what it forked, what it ran, its exit, each pid's life apart", async () => {
      const store = await setup();
      await store.append(processHistory(), 1);
      const sh = await store.processTree("host-7f3a", 300, second(21));
      expect(sh?.ancestors.map((a) => [a.pid, a.exe])).toEqual([
        [1, "/sbin/init"], // known only as bash's parent
        [100, "/usr/bin/bash"],
      ]);
      expect(shape(sh?.focus as Node)).toEqual({
        pid: 300,
        exe: "/bin/sh",
        children: [{ pid: 400, exe: "/bin/ls", children: [] }],
      });
      expect(sh?.focus.exit).toEqual({ time: nsToTime(second(25)), code: 0, signal: 9 });
      expect(sh?.focus.start).toBe(nsToTime(second(20)));
      expect(sh?.truncated).toBe(false);

      const bash = await store.processTree("host-7f3a", 100, second(2));
      expect(shape(bash?.focus as Node)).toMatchObject({
        pid: 100,
        children: [
          { pid: 200, exe: "/usr/bin/curl" },
          { pid: 300, exe: "/bin/sh", children: [{ pid: 400 }] },
          { pid: 200, exe: "/usr/bin/true" },
        ],
      });
      const [curl, , again] = bash?.focus.children ?? [];
      expect(curl?.alerts.map((a) => a.type)).toEqual(["ptrace"]);
      expect(curl?.exit?.code).toBe(7);
      expect(curl?.execs).toEqual([
        {
          time: nsToTime(second(11)),
          exe: "/usr/bin/curl",
          argv: ["curl", "-x"],
          uid: 1000,
          cwd: "/home/ana",
        },
      ]);
      expect(again?.alerts).toEqual([]);
      expect((await store.processTree("host-7f3a", 200, second(12)))?.focus.execs.map((e) => e.exe)).toEqual([
        "/usr/bin/curl",
      ]);
      expect((await store.processTree("host-7f3a", 200, second(31)))?.focus.execs.map((e) => e.exe)).toEqual([
        "/usr/bin/true",
      ]);
      expect(await store.processTree("host-7f3a", 999, second(12))).toBeNull();
      expect(await store.processTree("host-db", 300, second(21))).toBeNull();
    });

    it("deletes what retention no longer keeps, and keeps what it does", async () => {
      const store = await setup();
      const DAY = 86_400_000;
      const now = Date.parse("2026-11-28T12:00:00Z");
      const onDay = (day: number, count: number) =>
        Array.from({ length: count }, (_, i) =>
          event("fork", {
            id: `d${day}-${i}`,
            time: new Date(now - day * DAY + i * 1000).toISOString().replace("Z", "000000Z"),
          }),
        );
      await store.append([...onDay(30, 10), ...onDay(3, 100), ...onDay(2, 100), ...onDay(0, 100)], 1);
      // Older than the age limit by a day and more: gone; within it: kept.
      await store.prune({ maxAgeMs: 7 * DAY, maxEvents: 1_000_000 }, now);
      const left = await everyPage(store, {}, "asc", 1000);
      expect(left.some((id) => id.startsWith("d30-"))).toBe(false);
      expect(left).toHaveLength(300);
      // Past the most events kept: the oldest day goes; the newest 150 stay.
      await store.prune({ maxAgeMs: 7 * DAY, maxEvents: 150 }, now);
      const kept = await everyPage(store, {}, "asc", 1000);
      expect(kept.some((id) => id.startsWith("d3-"))).toBe(false);
      expect(kept.slice(-150)).toEqual([...onDay(2, 100).slice(50), ...onDay(0, 100)].map((e) => e.id));
    });
  });
}
