import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable, type Writable } from "node:stream";
import type { TLSSocket } from "node:tls";
import { constants, createGzip } from "node:zlib";
import { securityHeaders } from "../src/server/security-headers";

/** A route handler: a web Request in, a Response out. */
export type Handler = (request: Request) => Response | Promise<Response>;

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
