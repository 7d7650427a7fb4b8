// vigil-server [-p PORT] [-H HOST]: the console (Next.js) and, beside it on the same port, the agent API.
import { readFileSync } from "node:fs";
import { createServer, type RequestListener } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { join } from "node:path";
import { parseArgs } from "node:util";
import next from "next";
import { env } from "../src/env";
import { installBatchDecoder } from "../src/server/batch-decoder";
import { ingestMetrics } from "../src/server/ingest-metrics";
import { MAX_BATCH_BYTES } from "../src/server/load";
import { log } from "../src/server/log";
import { installWriter, vigil } from "../src/server/vigil";
import { agentRoute, serve, takesBatches } from "./agent-routes";
import { DecodePool } from "./decode-pool";
import { Overload } from "./overload";
import { WriteThread } from "./write-thread";

const started = performance.now();
const { values } = parseArgs({
  options: {
    port: { type: "string", short: "p", default: process.env.PORT ?? "3000" },
    hostname: { type: "string", short: "H", default: process.env.HOSTNAME ?? "0.0.0.0" },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`vigil-server: -p must be a port number, not '${values.port}'`);
  process.exit(2);
}
// This copy of the server state is the one every route uses, Next's bundled ones included: made before them.
// A thread of its own for SQLite's writes; other event stores are written to over the network, from this thread.
if (env.VIGIL_WRITE_THREAD && env.VIGIL_EVENT_STORE === "sqlite")
  installWriter((store) => new WriteThread(store));
vigil();
if (env.VIGIL_DECODE_THREADS > 0) installBatchDecoder(new DecodePool(env.VIGIL_DECODE_THREADS).decode);
const app = next({ dev: false, dir: join(import.meta.dirname, ".."), hostname: values.hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

// When the event loop is late by 100 ms on average two seconds running, the server is behind: new event batches are
// answered "retry later" at once (agents keep them spooled) so that heartbeats, policies and the console keep
// being answered.
const overload = new Overload(100);
setInterval(() => overload.check(), 1000).unref();

/** HTTPS with the certificate and key in VIGIL_TLS_CERT and VIGIL_TLS_KEY (PEM files), else HTTP. */
function listener(handler: RequestListener) {
  const { VIGIL_TLS_CERT: certFile, VIGIL_TLS_KEY: keyFile } = env;
  if (!certFile && !keyFile) return createServer(handler);
  if (!certFile || !keyFile) {
    console.error(
      "vigil-server: set both VIGIL_TLS_CERT and VIGIL_TLS_KEY (PEM files) to serve HTTPS, or neither",
    );
    process.exit(2);
  }
  try {
    return createTlsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handler);
  } catch (error) {
    console.error(
      `vigil-server: cannot serve HTTPS with ${certFile} and ${keyFile}: ${(error as Error).message}`,
    );
    process.exit(2);
  }
}

const server = listener((req, res) => {
  const route = agentRoute(req);
  if (route === null) {
    void handle(req, res);
  } else if (
    overload.overloaded &&
    typeof route === "function" &&
    takesBatches(route) &&
    Number(req.headers["content-length"] ?? 0) <= MAX_BATCH_BYTES // one too large gets its 413 either way
  ) {
    ingestMetrics().refusedBusy++;
    req.resume();
    res
      .writeHead(503, {
        "content-type": "application/json",
        "retry-after": String(2 + Math.floor(Math.random() * 4)),
      })
      .end('{"error":"the server is behind: keep the events and retry later"}');
  } else if (route === "method not allowed") {
    res.writeHead(405, { "content-type": "application/json" }).end('{"error":"method not allowed"}');
  } else {
    serve(route, req, res).catch((error) => {
      log.error({ err: error }, "agent API request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end('{"error":"internal error (logged on the server)"}');
    });
  }
});
// Longer than the agents' and browsers' idle connections, so that the server never closes one a client is reusing.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(port, values.hostname, () => {
  const scheme = env.VIGIL_TLS_CERT ? "https" : "http";
  console.log(`▲ Vigil on ${scheme}://${values.hostname}:${port}`);
  console.log(`✓ Ready in ${Math.round(performance.now() - started)}ms`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections(); // long polls and idle keep-alive connections would hold it open
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
