import { EventWriter, hosts } from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { type VigilEvent, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import { AlertRecorder, alertEventRefs, getAlert, listAlerts, pruneAlertEvents, updateAlert } from "./alerts";
import { publishPolicy } from "./policies";

let cleanup = () => {};
afterEach(() => cleanup());

function setup() {
  const t = testStore();
  cleanup = t.cleanup;
  const other = t.store.db
    .insert(hosts)
    .values({ machineId: "host-2", name: "db-1", firstSeenMs: 0, lastSeenMs: 0 })
    .returning({ id: hosts.id })
    .get().id;
  const writer = new EventWriter(t.store.sqlite);
  const recorder = new AlertRecorder(t.store.sqlite);
  const ingest = (hostId: number, changes: Record<string, unknown>, type: VigilEvent["type"]) => {
    const event = vigilEventSchema.parse({ ...validEvent(type), id: `e${Math.random()}`, ...changes });
    recorder.record(hostId, writer.insert(hostId, event), event);
  };
  return { store: t.store, web: t.hostId, db: other, ingest };
}

const open = (store: ReturnType<typeof setup>["store"]) =>
  listAlerts(store, { statuses: ["new", "acknowledged"], limit: 10 }).alerts;

describe("built-in detections and alert groups", () => {
  it("groups a rule's matches across hosts into one alert until it is resolved", () => {
    const { store, web, db, ingest } = setup();
    ingest(web, { time: "2026-11-28T22:00:01.000000000Z" }, "unlink_running");
    ingest(db, { time: "2026-11-28T22:00:03.000000000Z" }, "unlink_running");
    ingest(web, { time: "2026-11-28T22:00:02.000000000Z" }, "unlink_running");
    const [alert] = open(store);
    expect(alert).toMatchObject({
      rule: "unlink-running",
      severity: "high",
      status: "new",
      count: 3,
      hosts: ["web-1", "db-1"],
      first: "2026-11-28T22:00:01.000000000Z",
      last: "2026-11-28T22:00:03.000000000Z",
      latest: { host: "host-2", pid: 4242, time: "2026-11-28T22:00:03.000000000Z" },
    });
    const refs = alertEventRefs(store, alert?.id ?? 0, 10);
    expect(refs.map((r) => r.timeNs)).toEqual([
      1_795_903_203_000_000_000n,
      1_795_903_202_000_000_000n,
      1_795_903_201_000_000_000n,
    ]); // newest first
    expect(alertEventRefs(store, alert?.id ?? 0, 10, refs[0])).toEqual(refs.slice(1));
    expect(getAlert(store, alert?.id ?? 0)).toEqual(alert);

    updateAlert(store, { id: alert?.id ?? 0, status: "resolved", assignee: "ana" });
    ingest(web, {}, "unlink_running");
    const now = open(store);
    expect(now).toHaveLength(1);
    expect(now[0]?.id).not.toBe(alert?.id);
    expect(now[0]?.count).toBe(1);
  });

  it("alerts on ptrace attach by a non-debugger and on writes into another process, not on the rest", () => {
    const { store, web, ingest } = setup();
    const gdb = { ...(validEvent("ptrace").process as object), exe: "/usr/bin/gdb", comm: "gdb" };
    ingest(web, { request: "PTRACE_ATTACH", process: gdb }, "ptrace"); // a debugger
    ingest(web, { request: "PTRACE_PEEKDATA" }, "ptrace"); // not an attach
    ingest(web, {}, "exec");
    expect(open(store)).toEqual([]);
    ingest(web, { request: "PTRACE_SEIZE" }, "ptrace");
    ingest(web, {}, "mem_write");
    expect(open(store).map((a) => [a.rule, a.severity])).toEqual([
      ["mem-write", "critical"],
      ["ptrace-attach", "high"],
    ]);
  });

  it("forgets the events retention deleted, and keeps the alert", () => {
    const { store, web, ingest } = setup();
    ingest(web, {}, "unlink_running");
    ingest(web, {}, "unlink_running");
    const [alert] = open(store);
    const [newest, oldest] = alertEventRefs(store, alert?.id ?? 0, 10);
    store.sqlite.prepare("DELETE FROM events WHERE seq = ?").run(oldest?.seq);
    expect(pruneAlertEvents(store)).toBe(1);
    expect(alertEventRefs(store, alert?.id ?? 0, 10)).toEqual([newest]);
    expect(getAlert(store, alert?.id ?? 0).count).toBe(2);
    // Where the event store keeps no arrival numbers (ClickHouse), by time: what retention deleted is older.
    expect(pruneAlertEvents(store, (newest?.timeNs ?? 0n) + 1n)).toBe(1);
    expect(alertEventRefs(store, alert?.id ?? 0, 10)).toEqual([]);
  });

  it("counts an event once when its alert is recorded again (a batch's alerts sent twice)", () => {
    const { store, web } = setup();
    const recorder = new AlertRecorder(store.sqlite);
    const event = vigilEventSchema.parse({ ...validEvent("unlink_running"), id: "once" });
    recorder.record(web, 77n, event);
    recorder.record(web, 77n, event);
    recorder.record(web, 78n, { ...event, id: "twice" });
    const [alert] = open(store);
    expect(alert?.count).toBe(2);
    expect(alertEventRefs(store, alert?.id ?? 0, 10).map((r) => r.seq)).toEqual([78n, 77n]);
  });

  it("refuses to update an alert that does not exist", () => {
    const { store } = setup();
    expect(() => updateAlert(store, { id: 99, status: "acknowledged" })).toThrow("no alert 99");
    expect(() => getAlert(store, 99)).toThrow("no alert 99");
  });
});

describe("alerts from policy rules", () => {
  it("raises the alert of the rule that decided an event, with its severity; unknown policies and rules raise none", () => {
    const { store, web, db, ingest } = setup();
    publishPolicy(
      store,
      {
        yaml: `apiVersion: vigil/v1
kind: Policy
name: watch-curl
rules:
  - { id: curl, on: exec, action: alert, severity: medium, description: "curl ran on a server" }
  - { id: quiet, on: exec, action: alert, severity: info }
  - { id: fine, on: exec, action: allow }
`,
        message: "m",
        basedOn: null,
      },
      "user:a",
    );
    const decided = (rule: string, id = "watch-curl", version = 1) => ({
      verdict: "allowed",
      policy: { id, version, rule },
    });
    ingest(web, decided("curl"), "exec");
    ingest(db, decided("curl"), "exec");
    ingest(web, decided("quiet"), "exec");
    ingest(web, decided("fine"), "exec"); // allow rules decide nothing
    ingest(web, decided("curl", "no-such-policy"), "exec"); // what a forged event could name
    ingest(web, decided("curl", "watch-curl", 7), "exec");
    ingest(web, decided("nope"), "exec");
    expect(open(store).map((a) => [a.rule, a.severity, a.title, a.count, a.hosts.length])).toEqual([
      ["policy:watch-curl/quiet", "low", "Policy watch-curl, rule quiet (alert)", 1, 1],
      ["policy:watch-curl/curl", "medium", "curl ran on a server", 2, 2],
    ]);
  });
});
