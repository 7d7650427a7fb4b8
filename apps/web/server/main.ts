// vigil-server [-p PORT] [-H HOST]: the console (Next.js) and, beside it on the same port, the agent API.
import { createServer } from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import next from "next";
import { log } from "../src/server/log";
import { vigil } from "../src/server/vigil";
import { agentRoute, serve } from "./agent-routes";

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
vigil();
const app = next({ dev: false, dir: join(import.meta.dirname, ".."), hostname: values.hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((req, res) => {
  const route = agentRoute(req);
  if (route === null) {
    void handle(req, res);
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
server.listen(port, values.hostname, () => {
  console.log(`▲ Vigil on http://${values.hostname}:${port}`);
  console.log(`✓ Ready in ${Math.round(performance.now() - started)}ms`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections(); // long polls and idle keep-alive connections would hold it open
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
