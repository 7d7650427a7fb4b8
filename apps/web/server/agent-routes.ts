import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import * as credential from "../src/app/api/agent/v1/credential/route";
import * as enroll from "../src/app/api/agent/v1/enroll/route";
import * as events from "../src/app/api/agent/v1/events/route";
import * as heartbeat from "../src/app/api/agent/v1/heartbeat/route";
import * as policies from "../src/app/api/agent/v1/policies/route";
import * as metrics from "../src/app/metrics/route";

type Handler = (request: Request) => Promise<Response>;

/** The routes served without Next's router: the ones hosts call, many times a second in a large fleet. */
const routes: Record<string, Partial<Record<string, Handler>>> = {
  "/api/agent/v1/enroll": { POST: enroll.POST },
  "/api/agent/v1/credential": { POST: credential.POST },
  "/api/agent/v1/events": { POST: events.POST },
  "/api/agent/v1/heartbeat": { POST: heartbeat.POST },
  "/api/agent/v1/policies": { GET: policies.GET },
  "/metrics": { GET: metrics.GET },
};

/** Whether the handler takes event batches: the requests the server answers "retry later" while it is behind. */
export const takesBatches = (handler: Handler) => handler === events.POST;

/** The handler for a request to one of these routes, or null for Next to answer. */
export function agentRoute(req: IncomingMessage): Handler | null | "method not allowed" {
  const path = (req.url ?? "/").split("?")[0] as string;
  const route = routes[path];
  if (!route) return null;
  return route[req.method ?? "GET"] ?? "method not allowed";
}

/** Runs a route handler (a web Request in, a Response out) on a Node request and response. */
export async function serve(handler: Handler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const aborted = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) aborted.abort(); // the client went away: a long poll stops waiting
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    signal: aborted.signal,
    // @ts-expect-error: Node's fetch needs `duplex` to take a stream body; the DOM types do not know it
    duplex: "half",
  });
  const response = await handler(request);
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  res.setHeader("x-content-type-options", "nosniff");
  if (!response.body) {
    res.end();
    return;
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}
