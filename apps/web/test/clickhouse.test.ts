import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer } from "@vigil/clickhouse/test-server";
import { parseEvent, type VigilEvent } from "@vigil/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matches, runScenario, scenarioFiles } from "../../../agent/test/harness";
import { SimulatedFleet } from "../fleet-sim/fleet";
import {
  adminToken,
  consoleApi,
  dataDir,
  exportedEvents,
  freePort,
  type Running,
  readDb,
  startAgent,
  startServer,
} from "./processes";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// VIGIL_EVENT_STORE=clickhouse, end to end: the real kernel's and simulated hosts' events through the agent API into
// a real clickhouse-server, and back out through the explorer, the export API, the dashboard and alerts.
describe("events kept in ClickHouse", () => {
  const data = dataDir();
  let clickhouse: TestServer;
  let server: Running;
  let agent: Running;
  let fleet: SimulatedFleet;
  let base: string;
  let accepted = 0;
  const startedAt = new Date().toISOString();
  const marker = `vigil-ch-${process.pid}-${Date.now()}`;
  let unlink: Record<string, unknown>;

  let trpc: ReturnType<typeof consoleApi>;

  beforeAll(async () => {
    clickhouse = await startTestServer();
    base = `http://127.0.0.1:${await freePort()}`;
    server = await startServer(data.dir, Number(new URL(base).port), {
      VIGIL_EVENT_STORE: "clickhouse",
      VIGIL_CLICKHOUSE_URL: clickhouse.url,
    });
    agent = await startAgent(base, mkdtempSync(join(tmpdir(), "vigil-agent-")), data.enrollToken);
    trpc = consoleApi(base, adminToken(data.dir));
    fleet = await SimulatedFleet.start({
      server: base,
      enrollToken: data.enrollToken,
      hosts: 3,
      prefix: "ch",
      rate: 400,
      lsmShare: 0,
      shipS: 1,
      heartbeatS: 5,
    });
    execFileSync("/bin/true", [marker]);
    const report = await runScenario(scenarioFiles().find((f) => f.endsWith("unlink_running.sh")) as string);
    unlink = report.expect[0] as Record<string, unknown>;
    await sleep(6000);
    await fleet.stop();
    accepted = fleet.totals().accepted;
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await agent?.stop();
    await server?.stop();
    await clickhouse?.stop();
    data.cleanup();
  });

  it("stores every event the simulated hosts sent, once, in ClickHouse and not in SQLite", async () => {
    expect(accepted).toBeGreaterThan(3000);
    let exported = 0;
    for (const host of fleet.hosts.map((_, i) => `ch-000${i + 1}-machine`)) {
      const lines = await exportedEvents(base, data.apiToken, `host=${host}&limit=100000`);
      expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
      exported += lines.length;
    }
    expect(exported).toBe(accepted);
    expect(readDb(data.dir, (db) => db.prepare("SELECT count(*) FROM events").pluck().get())).toBe(0);
  });

  it("shows the real kernel's events in the explorer, newest first, with its text search", async () => {
    let found: VigilEvent[] = [];
    for (let attempt = 0; attempt < 60 && found.length === 0; attempt++) {
      if (attempt > 0) await sleep(500);
      found = (await trpc<{ events: VigilEvent[] }>("events.list", { q: marker, types: ["exec"] })).events;
    }
    expect(found).toHaveLength(1);
    expect(found[0]?.process).toMatchObject({ exe: "/usr/bin/true", argv: ["/bin/true", marker] });
    const page = await trpc<{ events: VigilEvent[]; nextCursor: unknown }>("events.list", { limit: 50 });
    const times = page.events.map((e) => e.time);
    expect(times).toEqual([...times].sort().reverse());
    expect(page.nextCursor).not.toBeNull();
    const next = await trpc<{ events: VigilEvent[] }>("events.list", { limit: 50, cursor: page.nextCursor });
    expect(next.events.every((e) => e.time <= (times.at(-1) as string))).toBe(true);
    expect(next.events.some((e) => page.events.some((p) => p.id === e.id))).toBe(false);
  });

  it("counts the events on the dashboard", async () => {
    const summary = await trpc<{ totals: { events: number }; topHosts: { host: string; count: number }[] }>(
      "dashboard.summary",
      { range: "1h" },
    );
    expect(summary.totals.events).toBeGreaterThanOrEqual(accepted);
    const simulated = summary.topHosts.filter((h) => h.host.startsWith("ch-"));
    expect(simulated.reduce((sum, h) => sum + h.count, 0)).toBe(accepted);
  });

  it("raises the alert of a running binary deleted, and shows its event from ClickHouse", async () => {
    type Alert = { id: number; rule: string; latest: { host: string; pid: number } | null };
    let alert: Alert | undefined;
    for (let attempt = 0; attempt < 60 && !alert; attempt++) {
      if (attempt > 0) await sleep(500);
      const list = await trpc<{ alerts: Alert[] }>("alerts.list", {});
      alert = list.alerts.find((a) => a.rule === "unlink-running");
    }
    expect(alert?.latest?.pid).toBe(unlink["process.pid"]);
    const events = await trpc<{ events: unknown[] }>("alerts.events", { id: alert?.id });
    const parsed = events.events.map((e) => {
      const result = parseEvent(e);
      if (!result.ok) throw new Error(result.error);
      return result.event;
    });
    expect(parsed.some((e) => matches(e, unlink))).toBe(true);
    const since = await exportedEvents(
      base,
      data.apiToken,
      `since=${startedAt}&type=unlink_running&limit=10`,
    );
    expect(since.length).toBeGreaterThanOrEqual(1);
  });
});
