// vigil-server with VIGIL_CONTROL_URL: an ingest node of a cluster. It stores agents' event batches in ClickHouse
// itself and passes every other agent request to the control node (the console), which also checks credentials and
// records alerts for it. It keeps nothing of its own: any number of them may run behind a load balancer, and agents
// given several servers move on when one stops.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import {
  type AuthenticatedAgent,
  bearer,
  type CheckedBatch,
  DomainError,
  retryLater,
  unauthorized,
} from "@vigil/api";
import { ClickHouseEventStore } from "@vigil/clickhouse";
import { isNotable } from "@vigil/db";
import { env } from "../src/env";
import { decodeBody, unpack } from "../src/server/batch-decoder";
import { clickhouseOptions } from "../src/server/clickhouse-options";
import { errorResponse, json, readBody } from "../src/server/http";
import { BodyLimiter, MAX_BATCH_BYTES } from "../src/server/load";
import { log } from "../src/server/log";
import { DecodePool } from "./decode-pool";
import { serve } from "./serve";

type Agent = Pick<AuthenticatedAgent, "agentId" | "hostId" | "machineId">;

const control = env.VIGIL_CONTROL_URL as string;
const secret = env.VIGIL_CLUSTER_SECRET as string;
/** How long a credential the control node vouched for is taken without asking again, and while it is down. */
const TRUST_MS = 60_000;
const TRUST_WHILE_DOWN_MS = 10 * 60_000;

const { values } = parseArgs({
  options: {
    port: { type: "string", short: "p", default: process.env.PORT ?? "3000" },
    hostname: { type: "string", short: "H", default: process.env.HOSTNAME ?? "0.0.0.0" },
  },
});
const events = ClickHouseEventStore.connect(clickhouseOptions());
const decode = env.VIGIL_DECODE_THREADS > 0 ? new DecodePool(env.VIGIL_DECODE_THREADS).decode : decodeBody;
const bodies = new BodyLimiter();

/** The control node's answer to a request of this node's, the cluster's secret presented. */
async function askControl(path: string, body: unknown): Promise<Response> {
  try {
    return await fetch(new URL(path, control), {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw retryLater(`the control node cannot be reached (${(error as Error).message}): retry later`);
  }
}

const vouched = new Map<string, { agent: Agent; atMs: number }>();

/** The agent a credential belongs to, as the control node says (remembered a minute; ten while it is down). */
async function agentOf(credential: string | null): Promise<Agent> {
  if (!credential)
    throw unauthorized("missing or malformed agent credential (Authorization: Bearer vga_...)");
  const known = vouched.get(credential);
  if (known && Date.now() - known.atMs < TRUST_MS) return known.agent;
  let answer: Response;
  try {
    answer = await askControl("/api/cluster/v1/agent", { credential });
  } catch (error) {
    if (known && Date.now() - known.atMs < TRUST_WHILE_DOWN_MS) return known.agent;
    throw error;
  }
  const body = (await answer.json()) as Agent & { error?: string };
  if (answer.status === 401) {
    vouched.delete(credential);
    throw unauthorized(body.error ?? "unknown agent credential");
  }
  if (!answer.ok) throw retryLater(`the control node answered ${answer.status}: retry later`);
  if (vouched.size > 100_000) vouched.clear();
  vouched.set(credential, { agent: body, atMs: Date.now() });
  return body;
}

/** POST /api/agent/v1/events: stored in ClickHouse; the alerts of its events recorded by the control node. */
async function storeBatch(request: Request): Promise<Response> {
  try {
    const agent = await agentOf(bearer(request.headers.get("authorization")));
    const size = BodyLimiter.sizeOf(request.headers.get("content-length"));
    if (bodies.full(size)) throw retryLater("the server is receiving too many batches at once: retry later");
    const result = await bodies.read(size, async () => {
      const raw = await readBody(request, MAX_BATCH_BYTES);
      const batch = unpack(
        await decode(raw, request.headers.get("content-encoding"), agent.machineId),
      ) as CheckedBatch;
      const refs = await events.append(batch.events, Date.now(), batch.lines);
      const notable = batch.events.flatMap((event, i) =>
        isNotable(event) ? [{ seq: String(refs[i]?.seq), event }] : [],
      );
      if (notable.length > 0) {
        const answer = await askControl("/api/cluster/v1/alerts", { hostId: agent.hostId, events: notable });
        // Stored, but not alerted on yet: sent again, the events are stored once and their alerts counted once.
        if (!answer.ok)
          throw retryLater(`the control node answered ${answer.status} for alerts: retry later`);
      }
      return { accepted: batch.events.length, duplicates: 0, rejected: batch.rejected };
    });
    return json(200, result);
  } catch (error) {
    if (!(error instanceof DomainError)) log.error({ err: error }, "storing a batch failed");
    return errorResponse(error);
  }
}

/** Any other agent request, passed to the control node and its answer back (a policy long-poll included). */
async function toControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const aborted = new AbortController();
  res.on("close", () => aborted.abort());
  const headers = new Headers();
  for (const name of [
    "authorization",
    "content-type",
    "content-encoding",
    "content-length",
    "if-none-match",
  ]) {
    const value = req.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  let answer: Response;
  try {
    answer = await fetch(new URL(req.url ?? "/", control), {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      signal: aborted.signal,
      // @ts-expect-error: Node's fetch needs `duplex` to take a stream body; the DOM types do not know it
      duplex: "half",
    });
  } catch {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end('{"error":"the control node cannot be reached"}');
    return;
  }
  // fetch has unzipped the body: its length and encoding are not the control node's any more
  const passed = [...answer.headers].filter(
    ([name]) => name !== "content-encoding" && name !== "content-length",
  );
  res.writeHead(answer.status, Object.fromEntries(passed));
  if (answer.body)
    for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  const done = (error: unknown) => {
    log.error({ err: error }, "agent API request failed");
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end('{"error":"internal error (logged on the server)"}');
  };
  if (path === "/api/agent/v1/events" && req.method === "POST") serve(storeBatch, req, res).catch(done);
  else if (path?.startsWith("/api/agent/")) toControl(req, res).catch(done);
  else if (path === "/") {
    // What a load balancer's or the container's health check asks.
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ node: "ingest", control }));
  } else {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: `an ingest node serves agents only: the console is at ${control}` }));
  }
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(Number(values.port), values.hostname, () => {
  console.log(`▲ Vigil ingest node on http://${values.hostname}:${values.port}, control node ${control}`);
  console.log(`✓ Ready in ${Math.round(performance.now())}ms`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
