// What the control node answers the ingest nodes of its cluster (server/ingest-node.ts), on VIGIL_CLUSTER_SECRET.
import { createHash, timingSafeEqual } from "node:crypto";
import { AlertRecorder, authenticateAgent, badRequest, bearer, notFound, unauthorized } from "@vigil/api";
import { oncePer, type Store } from "@vigil/db";
import { describeIssues, type VigilEvent, vigilEventSchema } from "@vigil/events";
import { z } from "zod";
import { env } from "../env";
import { errorResponse, json, readJson } from "./http";
import { vigil } from "./vigil";

/** One recorder for the database: its statements prepared, and the policies it parsed, kept between requests. */
const recorderOf = oncePer((sqlite: Store["sqlite"]) => new AlertRecorder(sqlite));

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Refuses a request without the cluster's secret (and every request, where no cluster is configured). */
function requireNode(request: Request): void {
  const secret = env.VIGIL_CLUSTER_SECRET;
  if (!secret) throw notFound("no cluster: this server has no VIGIL_CLUSTER_SECRET");
  const given = bearer(request.headers.get("authorization"));
  if (!given || !timingSafeEqual(digest(given), digest(secret)))
    throw unauthorized("not a node of this cluster");
}

function parsed<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(describeIssues(result.error, "(body)"));
  return result.data;
}

const credentialSchema = z.strictObject({ credential: z.string().min(1).max(512) });

/** POST /api/cluster/v1/agent {credential}: the agent a credential belongs to, or 401. */
export async function agentOfCredential(request: Request): Promise<Response> {
  try {
    requireNode(request);
    const { credential } = parsed(credentialSchema, await readJson(request, 4096));
    const { agentId, hostId, machineId } = authenticateAgent(vigil().store, credential);
    return json(200, { agentId, hostId, machineId });
  } catch (error) {
    return errorResponse(error);
  }
}

const alertsSchema = z.strictObject({
  hostId: z.int().min(1),
  events: z.array(z.strictObject({ seq: z.string().regex(/^\d{1,20}$/), event: z.unknown() })).max(10_000),
});

/**
 * POST /api/cluster/v1/alerts {hostId, events: [{seq, event}]}: the alerts of events an ingest node stored (their
 * references in the event store). Recording one again does not count it twice.
 */
export async function alertsOfEvents(request: Request): Promise<Response> {
  try {
    requireNode(request);
    const body = parsed(alertsSchema, await readJson(request, 64 * 1024 * 1024));
    const events = body.events.map((e) => ({
      seq: BigInt(e.seq),
      event: parsed(vigilEventSchema, e.event) as VigilEvent,
    }));
    const { store } = vigil();
    const recorder = recorderOf(store.sqlite);
    store.sqlite.transaction(() => {
      for (const { seq, event } of events) recorder.record(body.hostId, seq, event);
    })();
    return json(200, { recorded: events.length });
  } catch (error) {
    return errorResponse(error);
  }
}
