import { mkdtempSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parseEvent, type VigilEvent } from "@vigil/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  matches,
  nearest,
  runScenario,
  type ScenarioReport,
  scenarioFiles,
} from "../../../agent/test/harness";
import {
  dataDir,
  exportedEvents,
  freePort,
  type Running,
  readDb,
  startAgent,
  startServer,
} from "./processes";

// The whole path on the real kernel: sensor -> agent -> spool -> HTTP -> SQLite -> export API.
describe("attack scenarios reach the central store through the real agent", () => {
  const data = dataDir();
  let server: Running;
  let agent: Running;
  let base: string;
  const reports = new Map<string, ScenarioReport>();
  const startedAt = new Date().toISOString();

  beforeAll(async () => {
    base = `http://127.0.0.1:${await freePort()}`;
    server = await startServer(data.dir, Number(new URL(base).port));
    agent = await startAgent(base, mkdtempSync(join(tmpdir(), "vigil-agent-")), data.enrollToken);
    for (const file of scenarioFiles()) reports.set(basename(file), await runScenario(file));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    data.cleanup();
  });

  it("finds every expected event through GET /api/v1/events with the right fields, and no forbidden one", async () => {
    const wanted = [...reports.entries()].flatMap(([name, r]) => r.expect.map((want) => ({ name, want })));
    expect(wanted.length).toBeGreaterThan(10);
    let events: VigilEvent[] = [];
    const missing = () => wanted.filter(({ want }) => !events.some((e) => matches(e, want)));
    for (let attempt = 0; attempt < 60 && (attempt === 0 || missing().length > 0); attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 500));
      const lines = await exportedEvents(base, data.apiToken, `since=${startedAt}&limit=100000`);
      events = lines.map((line) => {
        const parsed = parseEvent(line);
        if (!parsed.ok) throw new Error(`the API returned an event outside the contract: ${parsed.error}`);
        return parsed.event;
      });
    }
    for (const { name, want } of missing()) {
      expect.fail(
        `${name}: no stored event matches ${JSON.stringify(want)}\nnearest: ${JSON.stringify(nearest(events, want))}`,
      );
    }
    for (const [name, report] of reports) {
      for (const forbidden of report.forbid ?? []) {
        expect(
          events.find((e) => matches(e, forbidden)),
          `${name} must not produce ${JSON.stringify(forbidden)}`,
        ).toBeUndefined();
      }
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it("filters the export by type, pid and text, and shows the host's heartbeat", async () => {
    const exec = reports.get("exec_basic.sh")?.expect[0];
    if (!exec) throw new Error("exec_basic.sh reported no exec");
    const pid = exec["process.pid"] as number;
    const byPid = await exportedEvents(base, data.apiToken, `since=${startedAt}&pid=${pid}&type=exec`);
    expect(byPid.length).toBeGreaterThan(0);
    expect(byPid.every((e) => e.type === "exec" && (e.process as { pid: number }).pid === pid)).toBe(true);
    const argv = (exec["process.argv"] as string[]).at(-1) as string;
    const byText = await exportedEvents(base, data.apiToken, `q=${encodeURIComponent(argv)}&type=exec`);
    expect(byText.map((e) => (e.process as { pid: number }).pid)).toContain(pid);
    const host = readDb(data.dir, (db) =>
      db.prepare("SELECT sensor_mode, sensor_reason, kernel, health FROM hosts").get(),
    ) as Record<string, string>;
    expect(host.sensor_mode).toBe("tracepoint");
    expect(host.sensor_reason).toMatch(/tracepoint/);
    expect(host.kernel).toBe(release());
    expect(JSON.parse(host.health ?? "null")).toMatchObject({ spool: { dropped: 0 } });
  });
});
