import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { validEvent } from "@vigil/events/fixtures";
import { policyJsonSchema } from "@vigil/policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataDir, exportedEvents, freePort, type Running, readDb, repoRoot, startServer } from "./processes";

const cli = join(repoRoot, "apps", "cli", "bin", "vigil");

// The agent API over real HTTP, fed what a broken or hostile client sends.
describe("the agent API refuses bad input clearly and keeps serving", () => {
  const data = dataDir();
  let server: Running;
  let base: string;

  const post = async (path: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : new Uint8Array(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const enroll = async (machineId: string) => {
    const { status, body } = await post(
      "/api/agent/v1/enroll",
      JSON.stringify({ token: data.enrollToken, host: { machineId, name: machineId } }),
    );
    expect(status).toBe(200);
    return body.credential as string;
  };
  const events = (host: string, n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => ({
      ...validEvent("exec"),
      id: `${host}-${from + i}`,
      host: { id: host, name: host },
    }));
  const ship = (credential: string, batch: unknown, headers: Record<string, string> = {}) =>
    post(
      "/api/agent/v1/events",
      typeof batch === "string" || Buffer.isBuffer(batch) ? batch : JSON.stringify(batch),
      {
        authorization: `Bearer ${credential}`,
        ...headers,
      },
    );

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startServer(data.dir, port);
  });
  afterAll(async () => {
    await server?.stop();
    data.cleanup();
  });

  it("enrolls only with a valid token and well-formed host facts", async () => {
    expect((await post("/api/agent/v1/enroll", "{not json")).status).toBe(400);
    const forged = await post(
      "/api/agent/v1/enroll",
      JSON.stringify({ token: "vge_x.yyyyyyyyyyyyyyyyyyyy", host: { machineId: "m", name: "m" } }),
    );
    expect(forged).toMatchObject({ status: 401, body: { error: "unknown enrollment token" } });
    const noHost = await post("/api/agent/v1/enroll", JSON.stringify({ token: data.enrollToken }));
    expect(noHost.status).toBe(400);
    expect(noHost.body.error).toMatch(/host/);
  });

  it("stores a gzip batch, counts a retry as duplicates, and refuses each bad request with a status and reason", async () => {
    const alpha = await enroll("alpha");
    const beta = await enroll("beta");
    const batch = { stream: "s1", firstSeq: 1, events: events("alpha", 3) };
    const gzipped = gzipSync(JSON.stringify(batch));
    expect(await ship(alpha, gzipped, { "content-encoding": "gzip" })).toEqual({
      status: 200,
      body: { accepted: 3, duplicates: 0, rejected: [] },
    });
    expect((await ship(alpha, batch)).body).toMatchObject({ accepted: 0, duplicates: 3 });

    expect(await ship("", batch)).toMatchObject({ status: 401 });
    expect(await ship(`vga_${"a".repeat(12)}.${"b".repeat(43)}`, batch)).toMatchObject({
      status: 401,
      body: { error: "unknown agent credential" },
    });
    expect(await ship(alpha, "{oops")).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/not JSON/) },
    });
    expect(await ship(alpha, { stream: "s1", firstSeq: "one", events: [] })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/firstSeq/) },
    });
    expect(await ship(alpha, gzipSync("x"), { "content-encoding": "br" })).toMatchObject({ status: 415 });
    expect(await ship(alpha, Buffer.from("not gzip"), { "content-encoding": "gzip" })).toMatchObject({
      status: 400,
    });
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, " "));
    expect(await ship(alpha, bomb, { "content-encoding": "gzip" })).toMatchObject({ status: 413 });
    const huge = JSON.stringify({
      stream: "s1",
      firstSeq: 4,
      events: [{ pad: "x".repeat(17 * 1024 * 1024) }],
    });
    expect(await ship(alpha, huge)).toMatchObject({ status: 413 });

    const mixed = {
      stream: "s1",
      firstSeq: 4,
      events: [...events("alpha", 1, 3), { ...validEvent("exec"), type: "teleport" }],
    };
    const partly = await ship(alpha, mixed);
    expect(partly.status).toBe(200);
    expect(partly.body).toMatchObject({
      accepted: 1,
      rejected: [{ index: 1, reason: expect.stringMatching(/^type: expected one of/) }],
    });

    // Another agent replaying alpha's batch with its own credential writes nothing into alpha's events.
    const replay = await ship(beta, { stream: "s1", firstSeq: 1, events: events("alpha", 3, 100) });
    expect(replay.body).toMatchObject({ accepted: 0, rejected: [{ index: 0 }, { index: 1 }, { index: 2 }] });

    // Enrolling alpha again (a reinstall) revokes its old credential.
    const alpha2 = await enroll("alpha");
    expect(await ship(alpha, { stream: "s1", firstSeq: 6, events: events("alpha", 1, 5) })).toMatchObject({
      status: 401,
      body: { error: expect.stringMatching(/revoked/) },
    });
    expect((await ship(alpha2, { stream: "s2", firstSeq: 1, events: events("alpha", 1, 5) })).status).toBe(
      200,
    );

    const stored = await exportedEvents(base, data.apiToken, "limit=1000");
    expect(stored.map((e) => e.id)).toEqual(["alpha-0", "alpha-1", "alpha-2", "alpha-3", "alpha-5"]);
  });

  it("answers 'retry later' when more batches arrive at once than it will read, and stores each once on retry", async () => {
    const gamma = await enroll("gamma");
    const batches = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({ stream: `flood-${i}`, firstSeq: 1, events: events("gamma", 100, i * 100) }),
    );
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Bodies that arrive slowly, as from agents on slow links: all 40 are being read at once.
    const slowly = (text: string) =>
      new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(Buffer.from(text.slice(0, 10)));
          await released;
          controller.enqueue(Buffer.from(text.slice(10)));
          controller.close();
        },
      });
    const sent = batches.map((batch) =>
      fetch(`${base}/api/agent/v1/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${gamma}` },
        body: slowly(batch),
        duplex: "half",
      } as RequestInit),
    );
    await new Promise((r) => setTimeout(r, 2000));
    release();
    const first = await Promise.all(sent);
    const busy = first.filter((response) => response.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    const refused = busy[0] as Response;
    expect(refused.headers.get("retry-after")).toBe("2");
    expect((await refused.json()).error).toMatch(/retry later/);
    expect(first.every((response) => response.status === 200 || response.status === 503)).toBe(true);
    for (const [i, response] of first.entries()) {
      let status = response.status;
      while (status === 503) status = (await ship(gamma, batches[i] as string)).status;
      expect(status).toBe(200);
    }
    const stored = readDb(data.dir, (db) =>
      db
        .prepare(
          "SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events WHERE event_id LIKE 'gamma-%'",
        )
        .get(),
    );
    expect(stored).toEqual({ n: 4000, ids: 4000 });
    const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${data.apiToken}` } });
    const counted = /^vigil_ingest_batches_busy_total (\d+)$/m.exec(await metrics.text())?.[1];
    expect(Number(counted)).toBeGreaterThanOrEqual(busy.length); // retries may have been refused too
  });

  it("publishes the policy format's JSON Schema for editors", async () => {
    const answer = await fetch(`${base}/api/v1/schemas/policy`);
    expect(answer.headers.get("content-type")).toBe("application/schema+json");
    expect(await answer.json()).toEqual(policyJsonSchema());
  });

  it("answers the export API only with a valid token, and names a bad parameter", async () => {
    const unauthenticated = await fetch(`${base}/api/v1/events`);
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({ error: expect.stringMatching(/API token/) });
    const bad = await fetch(`${base}/api/v1/events?type=exec,teleport&limit=0`, {
      headers: { authorization: `Bearer ${data.apiToken}` },
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/type.*limit|limit.*type/s);
    const short = await fetch(`${base}/api/v1/events?q=--`, {
      headers: { authorization: `Bearer ${data.apiToken}` },
    });
    expect((await short.json()).error).toMatch(/a letter or digit/);
  });

  it("hands an agent the policies for its host, and a new version as soon as it is published", async () => {
    const credential = await enroll("policy-host");
    const policies = (query: string, auth = `Bearer ${credential}`) =>
      fetch(`${base}/api/agent/v1/policies${query}`, { headers: { authorization: auth } });
    expect((await policies("", "Bearer vga_0000000000000000.forged")).status).toBe(401);
    expect((await policies("?have=x&wait=99")).status).toBe(400);
    const first = (await (await policies("")).json()) as { hash: string; policies: unknown[] };
    expect(first.policies).toEqual([]);
    expect((await policies(`?have=${first.hash}&wait=1`)).status).toBe(304); // nothing new

    const admin = execFileSync(cli, ["--data-dir", data.dir, "token", "create", "--role", "admin"], {
      encoding: "utf8",
    }).trim();
    const waiting = policies(`?have=${first.hash}`);
    const yaml = `apiVersion: vigil/v1
kind: Policy
name: for-all-hosts
rules: [{ id: tmp, on: exec, action: alert, severity: low, when: { file.path: "/tmp/**" } }]
`;
    const published = await fetch(`${base}/api/trpc/policies.publish`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ yaml, message: "first", basedOn: null }),
    });
    expect(published.status).toBe(200);
    const next = await waiting; // woken by the publish, long before its 25 s wait ends
    expect(next.status).toBe(200);
    const bundle = (await next.json()) as { hash: string; policies: unknown[] };
    expect(bundle.policies).toEqual([{ name: "for-all-hosts", version: 1, yaml }]);
    expect(bundle.hash).not.toBe(first.hash);
  });
});
