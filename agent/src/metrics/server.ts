import { createServer, type Server } from "node:http";
import { exposition, expositionContentType, type Family } from "@vigil/observability";
import type { Log } from "../log";

/**
 * Serves GET /metrics on 127.0.0.1:`port` only: the agent's counters are for a scraper on the same host, and
 * nothing else on the network gets a listening socket of a root process to talk to. Resolves once listening, or
 * with undefined (and logged) when it cannot: the agent goes on shipping without its metrics.
 */
export function serveMetrics(port: number, families: () => Family[], log: Log): Promise<Server | undefined> {
  const server = createServer((request, response) => {
    const path = request.url?.split("?")[0];
    if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain" }).end("GET /metrics\n");
      return;
    }
    let text: string;
    try {
      text = exposition(families());
    } catch (error) {
      // a scrape must never stop the agent
      response.writeHead(500, { "content-type": "text/plain" }).end(`${(error as Error).message}\n`);
      return;
    }
    response.writeHead(200, { "content-type": expositionContentType }).end(text);
  });
  return new Promise((resolve) => {
    const failed = (error: Error) => {
      log.error(`cannot serve metrics on 127.0.0.1:${port}: ${error.message}`);
      resolve(undefined);
    };
    server.once("error", failed);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", failed);
      log.info(`metrics on http://127.0.0.1:${port}/metrics`);
      resolve(server);
    });
  });
}
