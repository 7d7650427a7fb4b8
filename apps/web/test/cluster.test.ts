import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clusterPorts, startTestServer, type TestServer } from "@vigil/clickhouse/test-server";
import type { VigilEvent } from "@vigil/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matches, runScenario, scenarioFiles } from "../../../agent/test/harness";
import { agentBodies, enrollHosts, shipAll } from "../bench/ship";
import { SimulatedFleet } from "../fleet-sim/fleet";
import {
  adminToken,
  consoleApi,
  dataDir,
  exportedEvents,
  freePort,
  type Running,
  startAgent,
  startServer,
} from "./processes";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SECRET = "a-cluster-secret-of-the-tests-long-enough";
const BATCH = 2000;

/** A back-test of `yaml` over the last day, run to its end through the console's API (its progress streamed). */
async function backtestOf(base: string, token: string, yaml: string): Promise<unknown> {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const untilMs = Date.now();
  const started = await fetch(`${base}/api/trpc/policies.backtest`, {
    method: "POST",
    headers,
    body: JSON.stringify({ yaml, sinceMs: untilMs - 2 * 86_400_000, untilMs }),
  });
  const { id } = ((await started.json()) as { result: { data: { id: string } } }).result.data;
  const stream = await fetch(
    `${base}/api/trpc/policies.backtestProgress?input=${encodeURIComponent(JSON.stringify({ id }))}`,
    { headers: { ...headers, accept: "text/event-stream" } },
  );
  let text = "";
  for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
    text += Buffer.from(chunk).toString("utf8");
    const line = text.split("\n").find((l) => l.startsWith("data: ") && l.includes('"result"'));
    if (line) {
      const parsed = JSON.parse(line.slice(6)) as { result?: unknown; data?: { result?: unknown } };
      return parsed.result ?? parsed.data?.result;
    }
  }
  throw new Error(`the back-test stream ended without a result:\n${text.slice(-2000)}`);
}

const policy = `apiVersion: vigil/v1
kind: Policy
name: cluster-test
mode: audit
rules:
  - id: python-config
    on: exec
    action: alert
    severity: low
    when: { process.exe: /usr/bin/python3, process.argv: ["--config"] }
`;

// Two ClickHouse shards; a control node (the console) and a stateless ingest node storing into them; the real
// agent given both servers; simulated hosts. Beside them a SQLite server fed the same batches, to compare answers.
describe("a Vigil cluster on two ClickHouse shards", () => {
  const control = dataDir();
  const reference = dataDir();
  const ingestDir = dataDir();
  const shards: TestServer[] = [];
  let controlServer: Running;
  let ingestServer: Running;
  let referenceServer: Running;
  let agent: Running;
  let fleet: SimulatedFleet;
  let controlBase: string;
  let ingestBase: string;
  let referenceBase: string;
  let token: string;
  let referenceToken: string;
  const marker = `vigil-cluster-${process.pid}-${Date.now()}`;
  let unlink: Record<string, unknown>;

  beforeAll(async () => {
    const { ports, shards: tcp } = await clusterPorts(2);
    for (const p of ports) shards.push(await startTestServer({ ports: p, shards: tcp }));
    const clickhouse = {
      VIGIL_EVENT_STORE: "clickhouse",
      VIGIL_CLICKHOUSE_URL: shards[0]?.url as string,
      VIGIL_CLICKHOUSE_CLUSTER: "vigil",
      VIGIL_CLICKHOUSE_SHARDS: shards.map((s) => s.url).join(","),
      VIGIL_CLUSTER_SECRET: SECRET,
    };
    controlBase = `http://127.0.0.1:${await freePort()}`;
    ingestBase = `http://127.0.0.1:${await freePort()}`;
    referenceBase = `http://127.0.0.1:${await freePort()}`;
    controlServer = await startServer(control.dir, Number(new URL(controlBase).port), clickhouse);
    ingestServer = await startServer(ingestDir.dir, Number(new URL(ingestBase).port), {
      ...clickhouse,
      VIGIL_CLICKHOUSE_URL: shards[1]?.url as string,
      VIGIL_CONTROL_URL: controlBase,
    });
    referenceServer = await startServer(reference.dir, Number(new URL(referenceBase).port));
    token = adminToken(control.dir);
    referenceToken = adminToken(reference.dir);
    // The same batches into the cluster (through the ingest node) and into SQLite: events of the last day.
    const bodies = agentBodies(3, 4, BATCH);
    for (const [base, enrollToken, server] of [
      [ingestBase, control.enrollToken, ingestServer],
      [referenceBase, reference.enrollToken, referenceServer],
    ] as const) {
      await shipAll(base, server, await enrollHosts(base, enrollToken, 3), bodies, BATCH, () => {});
    }
  }, 300_000);

  afterAll(async () => {
    await fleet?.stop();
    await agent?.stop();
    for (const server of [controlServer, ingestServer, referenceServer]) await server?.stop();
    for (const shard of shards) await shard.stop();
    for (const dir of [control, reference, ingestDir]) dir.cleanup();
  });

  it("answers the explorer, process view, dashboard and back-test as SQLite does on the same events", async () => {
    const cluster = consoleApi(controlBase, token);
    const sqlite = consoleApi(referenceBase, referenceToken);
    for (const filter of [
      {},
      { host: "bench-1" },
      { q: "items" },
      { exe: "/usr/bin/python*" },
      { types: ["exit"] },
    ]) {
      type Page = { events: VigilEvent[]; nextCursor: unknown };
      const [mine, theirs] = await Promise.all([
        cluster<Page>("events.list", { ...filter, limit: 100 }),
        sqlite<Page>("events.list", { ...filter, limit: 100 }),
      ]);
      expect(mine.events.length).toBeGreaterThan(0);
      expect({ filter, ids: mine.events.map((e) => e.id) }).toEqual({
        filter,
        ids: theirs.events.map((e) => e.id),
      });
      const [next, theirNext] = await Promise.all([
        cluster<Page>("events.list", { ...filter, limit: 100, cursor: mine.nextCursor }),
        sqlite<Page>("events.list", { ...filter, limit: 100, cursor: theirs.nextCursor }),
      ]);
      expect(next.events.map((e) => e.id)).toEqual(theirNext.events.map((e) => e.id));
    }
    const sample = (await sqlite<{ events: VigilEvent[] }>("events.list", { types: ["exec"], limit: 5 }))
      .events;
    for (const event of sample) {
      const at = { host: event.host.id, pid: event.process.pid, at: event.time };
      expect(await cluster("processes.tree", at)).toEqual(await sqlite("processes.tree", at));
    }
    type Summary = { totals: { events: number }; series: unknown[]; topExecutables: unknown[] };
    const [mine, theirs] = await Promise.all([
      cluster<Summary>("dashboard.summary", { range: "24h" }),
      sqlite<Summary>("dashboard.summary", { range: "24h" }),
    ]);
    expect(mine.totals.events).toBe(3 * 4 * BATCH);
    expect({ series: mine.series, top: mine.topExecutables }).toEqual({
      series: theirs.series,
      top: theirs.topExecutables,
    });
    const [ours, reference_] = await Promise.all([
      backtestOf(controlBase, token, policy),
      backtestOf(referenceBase, referenceToken, policy),
    ]);
    type Result = { rules: unknown[]; examined: number; hosts: unknown };
    const judged = ({ rules, examined, hosts }: Result) => ({ rules, examined, hosts });
    expect((ours as Result).rules).toHaveLength(1);
    expect(judged(ours as Result)).toEqual(judged(reference_ as Result));
  }, 120_000);

  it("lets only the cluster's nodes ask the control node for credentials and alerts", async () => {
    const agentCredential = (
      (await (
        await fetch(`${controlBase}/api/agent/v1/enroll`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: control.enrollToken, host: { machineId: "m-nodes", name: "nodes" } }),
        })
      ).json()) as { credential: string }
    ).credential;
    for (const path of ["/api/cluster/v1/agent", "/api/cluster/v1/alerts"]) {
      const answers: Record<string, number> = {};
      for (const [caller, authorization] of Object.entries({
        none: undefined,
        wrong: `Bearer ${SECRET}x`,
        apiToken: `Bearer ${token}`,
        agent: `Bearer ${agentCredential}`,
        node: `Bearer ${SECRET}`,
      })) {
        const response = await fetch(`${controlBase}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(authorization && { authorization }) },
          body: "{}",
        });
        answers[caller] = response.status;
      }
      expect({ path, answers }).toEqual({
        path,
        answers: { none: 401, wrong: 401, apiToken: 401, agent: 401, node: 400 }, // 400: let in, {} is not a request
      });
    }
    // A node learns whose a credential is, and nothing of one that is not.
    const ask = (credential: string) =>
      fetch(`${controlBase}/api/cluster/v1/agent`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
        body: JSON.stringify({ credential }),
      });
    expect(await (await ask(agentCredential)).json()).toMatchObject({ machineId: "m-nodes" });
    expect((await ask(`${agentCredential.slice(0, -2)}xx`)).status).toBe(401);
  });

  it("keeps every event once when the ingest node stops mid-ingest: agents move to the control node", async () => {
    agent = await startAgent(
      `${ingestBase},${controlBase}`,
      mkdtempSync(join(tmpdir(), "vigil-agent-")),
      control.enrollToken,
    );
    fleet = await SimulatedFleet.start({
      server: controlBase,
      enrollToken: control.enrollToken,
      hosts: 2,
      prefix: "sim",
      rate: 300,
      lsmShare: 0,
      shipS: 1,
      heartbeatS: 5,
    });
    const run = (phase: string) => {
      for (let i = 0; i < 10; i++) execFileSync("/bin/true", [`${marker}-${phase}-${i}`]);
    };
    const stored = async (phase: string, want: number) => {
      let found: Record<string, unknown>[] = [];
      for (let attempt = 0; attempt < 120 && found.length < want; attempt++) {
        if (attempt > 0) await sleep(500);
        found = await exportedEvents(
          controlBase,
          control.apiToken,
          `q=${marker} ${phase}&type=exec&limit=1000`,
        );
      }
      return found;
    };
    run("before");
    expect(await stored("before", 10)).toHaveLength(10);
    const report = await runScenario(scenarioFiles().find((f) => f.endsWith("unlink_running.sh")) as string);
    unlink = report.expect[0] as Record<string, unknown>;
    await ingestServer.stop("SIGKILL");
    run("after");
    const after = await stored("after", 10);
    expect(after).toHaveLength(10);
    expect(new Set(after.map((e) => e.id)).size).toBe(10);
    await sleep(3000);
    await fleet.stop();
    const accepted = fleet.totals().accepted;
    let exported = 0;
    for (const host of ["sim-0001-machine", "sim-0002-machine"]) {
      const lines = await exportedEvents(controlBase, control.apiToken, `host=${host}&limit=100000`);
      expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
      exported += lines.length;
    }
    expect(exported).toBe(accepted);
    // The alert of the running binary deleted, with its event, whichever node stored it.
    const cluster = consoleApi(controlBase, token);
    type Alert = { id: number; rule: string };
    let alert: Alert | undefined;
    for (let attempt = 0; attempt < 60 && !alert; attempt++) {
      if (attempt > 0) await sleep(500);
      alert = (await cluster<{ alerts: Alert[] }>("alerts.list", {})).alerts.find(
        (a) => a.rule === "unlink-running",
      );
    }
    const events = await cluster<{ events: VigilEvent[] }>("alerts.events", { id: alert?.id });
    expect(events.events.some((e) => matches(e, unlink))).toBe(true);
    for (const server of [controlServer, ingestServer]) {
      expect(server.output.includes(SECRET), "the cluster's secret in a node's log").toBe(false);
    }
  }, 240_000);
});
