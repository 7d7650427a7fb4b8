import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validEvent } from "@vigil/events/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataDir, freePort, type Running, startAgent, startServer } from "./processes";

/** The samples of an exposition, by series (`name{labels}`). */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    found.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return found;
}

describe("Prometheus metrics of the server and the agent", () => {
  const data = dataDir();
  const agentDir = mkdtempSync(join(tmpdir(), "vigil-agent-metrics-"));
  let server: Running;
  let agent: Running | undefined;
  let base: string;

  const scrape = (headers: Record<string, string> = {}) => fetch(`${base}/metrics`, { headers });
  const metrics = async () => {
    const response = await scrape({ authorization: `Bearer ${data.apiToken}` });
    expect(response.status).toBe(200);
    return samples(await response.text());
  };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startServer(data.dir, port);
  });
  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    data.cleanup();
    rmSync(agentDir, { recursive: true, force: true });
  });

  it("refuses a scrape without an API token or a session, whatever address it claims", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { "x-forwarded-for": "127.0.0.1" },
      { authorization: "Bearer vgt_aaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" },
      { authorization: `Basic ${Buffer.from(`admin:${data.apiToken}`).toString("base64")}` },
    ];
    for (const headers of attempts) {
      const response = await scrape(headers);
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain("vigil_");
    }
  });

  it("serves the exposition format to a viewer's API token, with counts that follow an ingest", async () => {
    const response = await scrape({ authorization: `Bearer ${data.apiToken}` });
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toBeNull(); // not a page
    const text = await response.text();
    expect(text).toMatch(/^# HELP vigil_ingest_events_total /m);
    expect(text).toMatch(/^# TYPE vigil_ingest_batch_duration_seconds histogram$/m);
    const before = samples(text);
    expect(before.get('vigil_ingest_events_total{result="accepted"}')).toBe(0);
    expect(before.get("vigil_events_stored")).toBe(0);
    expect(before.get('vigil_hosts{status="online"}')).toBe(0);
    expect(before.get('vigil_db_size_bytes{file="vigil.db"}')).toBeGreaterThan(0);
    expect(before.get("vigil_process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(before.get("vigil_process_cpu_seconds_total")).toBeGreaterThan(0);

    const enrolled = await fetch(`${base}/api/agent/v1/enroll`, {
      method: "POST",
      body: JSON.stringify({ token: data.enrollToken, host: { machineId: "m-metrics", name: "metrics-1" } }),
    });
    const { credential } = (await enrolled.json()) as { credential: string };
    const batch = {
      stream: "s1",
      firstSeq: 1,
      events: [
        ...[0, 1].map((i) => ({ ...validEvent("exec"), id: `m-${i}`, host: { id: "m-metrics", name: "m" } })),
        { ...validEvent("exec"), type: "teleport" },
      ],
    };
    const ship = () =>
      fetch(`${base}/api/agent/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${credential}` },
        body: JSON.stringify(batch),
      });
    expect((await ship()).status).toBe(200);
    expect((await ship()).status).toBe(200); // a retry: its events are duplicates

    const after = await metrics();
    expect(after.get('vigil_ingest_events_total{result="accepted"}')).toBe(2);
    expect(after.get('vigil_ingest_events_total{result="rejected"}')).toBe(1);
    expect(after.get('vigil_ingest_events_total{result="duplicate"}')).toBe(3);
    expect(after.get("vigil_ingest_batch_duration_seconds_count")).toBe(2);
    expect(after.get('vigil_ingest_batch_duration_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(after.get("vigil_ingest_batches_busy_total")).toBe(0);
    expect(after.get("vigil_events_stored")).toBe(2);
    const hosts = ["online", "stale", "offline"].map((s) => after.get(`vigil_hosts{status="${s}"}`) ?? 0);
    expect(hosts.reduce((a, b) => a + b)).toBe(1);
  });

  it("the agent serves its own counters on loopback, logs JSON lines, and never logs its tokens", async () => {
    const agentPort = await freePort();
    agent = await startAgent(base, agentDir, data.enrollToken, ["--metrics-port", String(agentPort)]);
    const agentMetrics = async () =>
      samples(await (await fetch(`http://127.0.0.1:${agentPort}/metrics`)).text());
    const shippedExecs = async () => {
      execFileSync("/bin/true"); // an exec for the sensor to see, whatever else the host does
      const found = await agentMetrics();
      return Math.min(
        found.get('vigil_agent_events_total{type="exec"}') ?? 0,
        found.get("vigil_agent_batches_shipped_total") ?? 0,
      );
    };
    await expect.poll(shippedExecs, { timeout: 60_000 }).toBeGreaterThan(0);
    const shipped = await agentMetrics();
    expect(shipped.get("vigil_agent_ship_latency_seconds_count")).toBeGreaterThan(0);
    expect(shipped.get("vigil_agent_shipped_events_total")).toBeGreaterThan(0);
    expect(shipped.has("vigil_agent_spool_events")).toBe(true);
    expect(shipped.has("vigil_agent_spool_dropped_events_total")).toBe(true);
    await expect
      .poll(async () => (await metrics()).get('vigil_ingest_events_total{result="accepted"}'))
      .toBeGreaterThan(2);

    await agent.stop();
    const lines = agent.output.split("\n").filter(Boolean);
    for (const line of lines) {
      expect(JSON.parse(line)).toMatchObject({ level: expect.any(String), time: expect.any(String) });
    }
    expect(agent.output).toMatch(/"msg":"vigil-sensor: \w+ mode/);
    expect(agent.output).toMatch(/"msg":"metrics on http:\/\/127\.0\.0\.1:\d+\/metrics"/);
    const secret = (token: string) => token.split(".")[1] as string;
    expect(agent.output).not.toContain(secret(data.enrollToken));
    expect(server.output).not.toContain(secret(data.apiToken));
  });
});
