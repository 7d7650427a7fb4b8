import { SqliteEventStore } from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import { authenticateAgent } from "./authenticate";
import { dashboard } from "./dashboard";
import { enrollAgent } from "./enroll";
import { createEnrollToken } from "./enroll-tokens";
import { recordHeartbeat } from "./heartbeat";
import { Ingest } from "./ingest";

let cleanup = () => {};
afterEach(() => cleanup());

const now = Date.parse("2026-11-29T12:00:00Z");
const at = (minutesAgo: number) =>
  new Date(now - minutesAgo * 60_000).toISOString().replace(".000Z", ".000000000Z");

describe("the dashboard", () => {
  it("counts by time and type, top executables and hosts, open alerts, sensor modes and drops", async () => {
    const t = testStore();
    cleanup = t.cleanup;
    const { token } = createEnrollToken(t.store, {});
    const agent = (machineId: string) =>
      authenticateAgent(
        t.store,
        enrollAgent(t.store, { token, host: { machineId, name: `${machineId}-name` } }).credential,
      );
    const web = agent("web");
    const db = agent("db");
    const ingest = new Ingest(t.store);
    const event = (machineId: string, type: string, minutesAgo: number, exe = "/usr/bin/curl") => {
      const base = validEvent(type as never) as { process: object };
      return {
        ...base,
        id: `${machineId}-${Math.random()}`,
        time: at(minutesAgo),
        host: { id: machineId, name: `${machineId}-name` },
        process: { ...base.process, exe },
      };
    };
    ingest.ingest(web, {
      stream: "a",
      firstSeq: 1,
      events: [
        event("web", "exec", 5),
        event("web", "exec", 5, "/usr/bin/ssh"),
        event("web", "exec", 50, "/usr/bin/ssh"),
        event("web", "exit", 50),
        event("web", "unlink_running", 3),
        event("web", "exec", 2 * 60), // outside the last hour
      ],
    });
    ingest.ingest(db, { stream: "a", firstSeq: 1, events: [event("db", "exec", 1, "/usr/bin/ssh")] });
    recordHeartbeat(t.store, db, {
      name: "db-name",
      os: "Debian 12",
      kernel: "6.18",
      agentVersion: "0.1.0",
      sensor: { mode: "tracepoint", reason: "no BPF LSM" },
      capabilities: [],
      events: {},
      drops: { exec: 2 },
      spool: { depth: 0, bytes: 0, dropped: 5 },
      policyVersion: null,
    });

    const events = new SqliteEventStore(t.store);
    const hour = await dashboard(t.store, events, "1h", now);
    expect(hour.totals).toEqual({ events: 6, openAlerts: 1, hosts: 3 }); // the test store has a host of its own
    expect(hour.series).toHaveLength(31); // 2-minute buckets over an hour, both ends
    expect(hour.series.reduce((sum, b) => sum + b.exec, 0)).toBe(4);
    expect(hour.series.find((b) => b.unlink_running > 0)?.time).toBe("2026-11-29T11:56:00.000Z");
    expect(hour.topExecutables).toEqual([
      { exe: "/usr/bin/ssh", count: 3 },
      { exe: "/usr/bin/curl", count: 1 },
    ]);
    expect(hour.topHosts).toEqual([
      { host: "web", name: "web-name", count: 5 },
      { host: "db", name: "db-name", count: 1 },
    ]);
    expect(hour.alertsBySeverity).toEqual([{ severity: "high", count: 1 }]);
    expect(hour.hostsByMode).toEqual(
      expect.arrayContaining([
        { mode: "tracepoint", count: 1 },
        { mode: "not reported", count: 2 },
      ]),
    );
    expect(hour.drops).toEqual([{ host: "db", name: "db-name", kernel: 2, spool: 5 }]);
    expect((await dashboard(t.store, events, "24h", now)).totals.events).toBe(7);
  });
});
