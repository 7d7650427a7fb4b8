import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable, type Writable } from "node:stream";
import type { TLSSocket } from "node:tls";
import { constants, createGzip } from "node:zlib";
import * as credential from "../src/app/api/agent/v1/credential/route";
import * as enroll from "../src/app/api/agent/v1/enroll/route";
import * as events from "../src/app/api/agent/v1/events/route";
import * as heartbeat from "../src/app/api/agent/v1/heartbeat/route";
import * as policies from "../src/app/api/agent/v1/policies/route";
import * as trpc from "../src/app/api/trpc/[trpc]/route";
import * as metrics from "../src/app/metrics/route";
import { securityHeaders } from "../src/server/security-headers";

type Handler = (request: Request) => Response | Promise<Response>;

/**
 * The routes served without Next's router: the ones hosts call, many times a second in a large fleet, and the
 * console's API. Through Next a tRPC query cost ~30% more of this thread's CPU and its p95 was 2.5x (31.9 ms against
 * 12.6 ms for bench:load's analysts alone); here it shares the thread with agents' uploads at less cost.
 */
const routes: Record<string, Partial<Record<string, Handler>>> = {
  "/api/agent/v1/enroll": { POST: enroll.POST },
  "/api/agent/v1/credential": { POST: credential.POST },
  "/api/agent/v1/events": { POST: events.POST },
  "/api/agent/v1/heartbeat": { POST: heartbeat.POST },
  "/api/agent/v1/policies": { GET: policies.GET },
  "/metrics": { GET: metrics.GET },
};

const trpcRoute: Partial<Record<string, Handler>> = { GET: trpc.GET, POST: trpc.POST };

/** Whether the handler takes event batches: the requests the server answers "retry later" while it is behind. */
export const takesBatches = (handler: Handler) => handler === events.POST;

/** The handler for a request to one of these routes, or null for Next to answer. */
export function agentRoute(req: IncomingMessage): Handler | null | "method not allowed" {
  const path = (req.url ?? "/").split("?")[0] as string;
  const route = path.startsWith("/api/trpc/") ? trpcRoute : routes[path];
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
  const scheme = (req.socket as TLSSocket).encrypted ? "https" : "http"; // the session cookie is Secure over HTTPS
  const request = new Request(`${scheme}://${req.headers.host ?? "localhost"}${req.url}`, {
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
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  for (const [name, value] of securityHeaders) res.setHeader(name, value);
  if (!response.body) {
    res.end();
    return;
  }
  let out: Writable = res;
  if (compresses(req, response)) {
    res.setHeader("content-encoding", "gzip");
    res.setHeader("vary", "accept-encoding");
    res.removeHeader("content-length");
    out = createGzip({ level: constants.Z_BEST_SPEED });
    out.pipe(res);
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) out.write(chunk);
  out.end();
}

/** JSON for a browser that takes gzip (as Next would send it): pages of events are tens of kilobytes. */
const compresses = (req: IncomingMessage, response: Response) =>
  /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? "")) &&
  (response.headers.get("content-type") ?? "").startsWith("application/json") &&
  !response.headers.has("content-encoding");
