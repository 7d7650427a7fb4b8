import { ClickHouseEventStore } from "@vigil/clickhouse";
import { dropDatabase, startTestServer, type TestServer } from "@vigil/clickhouse/test-server";
import {
  type EventCursor,
  type EventStore,
  EventWriter,
  hosts,
  nsToTime,
  queryEvents,
  SqliteEventStore,
} from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { type VigilEvent, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { PolicyMatcher, parsePolicy } from "@vigil/policy";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type BacktestProgress, backtest } from "./backtest";

let cleanup = async () => {};
afterEach(() => cleanup());

const T0 = 1_796_000_000_000; // ms
const policy = `apiVersion: vigil/v1
kind: Policy
name: krsi-samples
mode: enforce
selector: { labels: { env: prod } }
rules:
  - id: no-delete-running
    on: unlink_running
    action: deny
    severity: high
    when: { file.path: ["/usr/bin/*"] }
    unless: { process.exe: /usr/bin/dpkg }
  - id: debuggers-only
    on: ptrace
    action: deny
    severity: high
    unless: { process.exe: [/usr/bin/gdb] }
  - id: curl-upload
    on: exec
    action: alert
    severity: medium
    when: { process.exe: /usr/bin/curl, process.argv: [--upload-file] }
  - id: root-curl-is-fine
    on: exec
    action: allow
    when: { process.user: root }
`;

/** The fields the seeding changes in a fixture event. */
type Raw = {
  id: string;
  time: string;
  host: { id: string; name: string };
  process: { pid: number; uid: number; user?: string; exe: string; argv: string[] };
  file: { path: string };
};

/** Two prod hosts and one staging host, with the events of a few hundred processes each, spread over an hour. */
function seeded() {
  const t = testStore();
  cleanup = async () => t.cleanup();
  const all: VigilEvent[] = [];
  const add = (machineId: string, name: string, env: string) =>
    t.store.db
      .insert(hosts)
      .values({ machineId, name, labels: { env }, firstSeenMs: 0, lastSeenMs: 0 })
      .returning({ id: hosts.id })
      .get().id;
  const fleet = [
    { id: add("m-a", "web-a", "prod"), machineId: "m-a", name: "web-a" },
    { id: add("m-b", "web-b", "prod"), machineId: "m-b", name: "web-b" },
    { id: add("m-s", "stage-1", "staging"), machineId: "m-s", name: "stage-1" },
  ];
  const writer = new EventWriter(t.store.sqlite);
  let n = 0;
  const write = (
    host: (typeof fleet)[number],
    type: Parameters<typeof validEvent>[0],
    change: (e: Raw) => void,
  ) => {
    const raw = structuredClone(validEvent(type)) as unknown as Raw;
    raw.id = `e-${n}`;
    raw.time = nsToTime(BigInt(T0 + (n % 3600) * 1000) * 1_000_000n);
    raw.host = { id: host.machineId, name: host.name };
    change(raw);
    n++;
    const event = vigilEventSchema.parse(raw) as VigilEvent;
    writer.insert(host.id, event);
    all.push(event);
  };
  t.store.sqlite.transaction(() => {
    for (const host of fleet) {
      for (let i = 0; i < 300; i++) {
        write(host, "exec", (e) => {
          e.process.pid = 5000 + i;
          e.process.uid = i % 4 === 0 ? 0 : 1000;
          e.process.user = i % 4 === 0 ? "root" : "alice";
          e.process.argv =
            i % 3 === 0 ? ["curl", "--upload-file", `/etc/f${i % 5}`, "https://x"] : ["curl", "-s"];
        });
        if (i % 10 === 0)
          write(host, "unlink_running", (e) => {
            e.file.path = i % 20 === 0 ? "/usr/bin/sshd" : "/opt/app/bin/app";
            e.process.exe = i % 30 === 0 ? "/usr/bin/dpkg" : "/tmp/dropper";
          });
        if (i % 15 === 0)
          write(host, "ptrace", (e) => {
            e.process.exe = i % 45 === 0 ? "/usr/bin/gdb" : "/usr/bin/python3";
          });
        write(host, "exit", () => {});
      }
    }
  })();
  return { ...t, all };
}

/** The same question answered the slow way: every event in the range, judged one by one. */
function judgedOneByOne(t: ReturnType<typeof seeded>, sinceMs: number, untilMs: number) {
  const parsed = parsePolicy(policy);
  if (!parsed.ok) throw new Error("bad policy");
  const matcher = new PolicyMatcher(parsed.policy, { id: "krsi-samples", version: 0 });
  const counts: Record<string, Record<string, number>> = {};
  let after: EventCursor | undefined;
  for (;;) {
    const page = queryEvents(
      t.store.sqlite,
      { sinceNs: BigInt(sinceMs) * 1_000_000n, untilNs: BigInt(untilMs) * 1_000_000n },
      { limit: 500, order: "asc", after },
    );
    for (const event of page.events) {
      if (event.host.name === "stage-1") continue; // the selector leaves staging out
      const decision = matcher.decide(event);
      if (!decision) continue;
      counts[decision.policy.rule] ??= {};
      const rule = counts[decision.policy.rule] as Record<string, number>;
      rule[event.host.name] = (rule[event.host.name] ?? 0) + 1;
    }
    if (!page.next) break;
    after = page.next;
  }
  return counts;
}

const asCounts = (rules: Awaited<ReturnType<typeof backtest>>["rules"]) =>
  Object.fromEntries(rules.map((r) => [r.rule, Object.fromEntries(r.hosts.map((h) => [h.name, h.count]))]));

/** The seeded events in the event store under test. */
type Engine = (t: ReturnType<typeof seeded>) => Promise<EventStore>;

let clickhouse: TestServer | undefined;
let databases = 0;

const engines: [string, Engine][] = [
  ["SQLite", async (t) => new SqliteEventStore(t.store)],
  [
    "ClickHouse",
    async (t) => {
      clickhouse ??= await startTestServer();
      const url = clickhouse.url;
      const database = `backtest_${process.pid}_${databases++}`;
      const store = await ClickHouseEventStore.open({ url, database });
      await store.append(t.all, 1);
      const before = cleanup;
      cleanup = async () => {
        await store.close();
        await dropDatabase(url, database);
        await before();
      };
      return store;
    },
  ],
];
afterAll(() => clickhouse?.stop());

describe.each(engines)("backtest on %s", (_, engine) => {
  it("decides what judging every event one by one decides, per rule and host, with examples and progress", async () => {
    const t = seeded();
    const events = await engine(t);
    const progress: BacktestProgress[] = [];
    const result = await backtest(
      t.store,
      events,
      { yaml: policy, sinceMs: T0, untilMs: T0 + 3_600_000 },
      (p) => progress.push(p),
    );
    const expected = judgedOneByOne(t, T0, T0 + 3_600_000);
    expect(asCounts(result.rules)).toEqual(expected);
    expect(Object.keys(expected).sort()).toEqual(["curl-upload", "debuggers-only", "no-delete-running"]);
    expect(result.hosts).toEqual({ selected: 2, total: 4 }); // testStore's own host has no labels
    expect(result.mode).toBe("enforce");

    const upload = result.rules.find((r) => r.rule === "curl-upload");
    expect(upload?.examples).toHaveLength(5);
    for (const { event, message } of upload?.examples ?? []) {
      expect(event.process.argv).toContain("--upload-file");
      expect(event.process.uid).toBe(1000); // root's are allowed by the exception
      expect(message).toMatch(/^curl-upload: \/usr\/bin\/curl started by /);
    }
    expect(progress.at(-1)).toEqual({ step: "ptrace events", done: 60, total: 60 }); // exec, unlink, ptrace
    expect(progress.map((p) => p.done)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it("covers only the range asked for", async () => {
    const t = seeded();
    const events = await engine(t);
    const result = await backtest(t.store, events, {
      yaml: policy,
      sinceMs: T0 + 600_000,
      untilMs: T0 + 1_200_000,
    });
    expect(asCounts(result.rules)).toEqual(judgedOneByOne(t, T0 + 600_000, T0 + 1_200_000));
    const none = await backtest(t.store, events, { yaml: policy, sinceMs: T0 - 10_000, untilMs: T0 });
    expect(none.rules).toEqual([]);
    expect(none.examined).toBe(0);
  });

  it("refuses a draft with problems, and stops when the caller goes away", async () => {
    const t = seeded();
    const events = await engine(t);
    await expect(
      backtest(t.store, events, { yaml: "kind: Policy", sinceMs: T0, untilMs: T0 + 1000 }),
    ).rejects.toMatchObject({ status: 422 });
    const gone = new AbortController();
    gone.abort();
    await expect(
      backtest(
        t.store,
        events,
        { yaml: policy, sinceMs: T0, untilMs: T0 + 3_600_000 },
        () => {},
        gone.signal,
      ),
    ).rejects.toThrow(/abort/i);
  });
});
