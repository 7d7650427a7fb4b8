import type { IncomingMessage } from "node:http";
import * as credential from "../src/app/api/agent/v1/credential/route";
import * as enroll from "../src/app/api/agent/v1/enroll/route";
import * as events from "../src/app/api/agent/v1/events/route";
import * as heartbeat from "../src/app/api/agent/v1/heartbeat/route";
import * as policies from "../src/app/api/agent/v1/policies/route";
import * as trpc from "../src/app/api/trpc/[trpc]/route";
import * as metrics from "../src/app/metrics/route";
import { agentOfCredential, alertsOfEvents } from "../src/server/cluster-routes";
import type { Handler } from "./serve";

export { serve } from "./serve";

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
  "/api/cluster/v1/agent": { POST: agentOfCredential },
  "/api/cluster/v1/alerts": { POST: alertsOfEvents },
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
