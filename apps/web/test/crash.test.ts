import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import { hostIdentity } from "../../../agent/src/host";
import { Spool } from "../../../agent/src/ship/spool";
import { runScenario, scenarioFiles } from "../../../agent/test/harness";
import { dataDir, freePort, type Running, readDb, startAgent, startServer } from "./processes";

const TOTAL = 100_000;
const { host } = hostIdentity(); // the host the real agent enrolls as

/** An agent data directory whose spool already holds TOTAL events of this host, as after a long outage. */
function spooledAgentDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "vigil-agent-"));
  const spool = new Spool(join(dir, "spool.db"), 1024 * 1024 * 1024);
  const base = validEvent("exec") as { process: Record<string, unknown> };
  for (let start = 0; start < TOTAL; start += 10_000) {
    spool.append(
      Array.from({ length: 10_000 }, (_, i) =>
        JSON.stringify({
          ...base,
          id: `spooled-${start + i}`,
          host,
          process: {
            ...base.process,
            pid: 1000 + ((start + i) % 30_000),
            argv: ["curl", "-s", `https://example.com/${(start + i) % 500}`],
          },
        }),
      ),
    );
  }
  spool.close();
  return dir;
}

function storedSpooled(dir: string): { count: number; ids: number } {
  try {
    return readDb(dir, (db) =>
      db
        .prepare(
          "SELECT count(*) AS count, count(DISTINCT event_id) AS ids FROM events WHERE event_id LIKE 'spooled-%'",
        )
        .get(),
    ) as { count: number; ids: number };
  } catch (error) {
    // The server creates its database at the first request (the agent's enrollment).
    if (/no such table|unable to open/.test((error as Error).message)) return { count: 0, ids: 0 };
    throw error;
  }
}

async function until(what: string, check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const integrity = (dir: string) => readDb(dir, (db) => db.prepare("PRAGMA integrity_check").pluck().get());

describe("nothing accepted is lost or stored twice when processes die", () => {
  const running: Running[] = [];
  let cleanup = () => {};
  afterEach(async () => {
    for (const p of running.splice(0).reverse()) await p.stop("SIGKILL");
    cleanup();
  });

  async function setup() {
    const data = dataDir();
    cleanup = data.cleanup;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = await startServer(data.dir, port);
    running.push(server);
    return { data, port, base, server };
  }

  it("SIGKILL of the server while it ingests 100,000 events: after a restart each is stored exactly once", async () => {
    const { data, port, base, server } = await setup();
    const agent = await startAgent(base, spooledAgentDir(), data.enrollToken);
    running.push(agent);
    await until("the first 20,000 events", () => storedSpooled(data.dir).count >= 20_000, 120_000);
    await server.stop("SIGKILL");
    expect(storedSpooled(data.dir).count).toBeLessThan(TOTAL);
    running.push(await startServer(data.dir, port));
    await until(`all ${TOTAL} events`, () => storedSpooled(data.dir).count >= TOTAL, 240_000);
    await new Promise((r) => setTimeout(r, 2000)); // a late duplicate would land now
    expect(storedSpooled(data.dir)).toEqual({ count: TOTAL, ids: TOTAL });
    expect(integrity(data.dir)).toBe("ok");
  });

  it("SIGKILL of the agent while it ships: restarted, it resumes from its spool, each event once", async () => {
    const { data, base } = await setup();
    const agentDir = spooledAgentDir();
    const first = await startAgent(base, agentDir, data.enrollToken);
    running.push(first);
    await until("the first 20,000 events", () => storedSpooled(data.dir).count >= 20_000, 120_000);
    await first.stop("SIGKILL");
    expect(storedSpooled(data.dir).count).toBeLessThan(TOTAL);
    running.push(await startAgent(base, agentDir, data.enrollToken));
    await until(`all ${TOTAL} events`, () => storedSpooled(data.dir).count >= TOTAL, 240_000);
    await new Promise((r) => setTimeout(r, 2000));
    expect(storedSpooled(data.dir)).toEqual({ count: TOTAL, ids: TOTAL });
  });

  it("an agent started before its server records from the start and enrolls once the server is up", async () => {
    const data = dataDir();
    cleanup = data.cleanup;
    const port = await freePort();
    const agent = await startAgent(
      `http://127.0.0.1:${port}`,
      mkdtempSync(join(tmpdir(), "vigil-agent-")),
      data.enrollToken,
    );
    running.push(agent);
    const exec = scenarioFiles().find((f) => f.endsWith("exec_basic.sh")) as string;
    const pid = (await runScenario(exec)).expect[0]?.["process.pid"] as number;
    await until("a failed enrollment attempt", () => /enrollment: cannot reach/.test(agent.output), 30_000);
    running.push(await startServer(data.dir, port));
    const stored = () =>
      readDb(data.dir, (db) =>
        db.prepare("SELECT count(*) FROM events WHERE type = 0 AND pid = ?").pluck().get(pid),
      ) === 1;
    await until("the exec from before the server was up", stored, 90_000);
  });

  it("the server down for 30 s: events of that time wait in the spool and all arrive afterwards", async () => {
    const { data, port, base, server } = await setup();
    const agent = await startAgent(base, mkdtempSync(join(tmpdir(), "vigil-agent-")), data.enrollToken);
    running.push(agent);
    await server.stop("SIGTERM");
    const exec = scenarioFiles().find((f) => f.endsWith("exec_basic.sh")) as string;
    const pids: number[] = [];
    const downUntil = Date.now() + 30_000;
    while (Date.now() < downUntil) {
      const report = await runScenario(exec);
      pids.push(report.expect[0]?.["process.pid"] as number);
      await new Promise((r) => setTimeout(r, 3000));
    }
    expect(agent.output).toMatch(/cannot reach the server/);
    running.push(await startServer(data.dir, port));
    const stored = () =>
      new Set(
        readDb(data.dir, (db) => db.prepare("SELECT DISTINCT pid FROM events WHERE type = 0").pluck().all()),
      );
    await until("every exec of the outage", () => pids.every((pid) => stored().has(pid)), 90_000);
    expect(pids.length).toBeGreaterThanOrEqual(8);
  });
});
