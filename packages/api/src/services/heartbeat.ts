import { hosts, type Store } from "@vigil/db";
import { describeIssues } from "@vigil/events";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { badRequest } from "../errors";
import type { AuthenticatedAgent } from "./authenticate";

const counts = z.record(z.string().max(64), z.number().min(0));

export const heartbeatSchema = z.strictObject({
  name: z.string().min(1).max(255),
  os: z.string().max(255),
  kernel: z.string().max(255),
  agentVersion: z.string().max(64),
  sensor: z.strictObject({ mode: z.enum(["lsm", "tracepoint"]), reason: z.string().max(1000) }).nullable(),
  capabilities: z.array(z.string().max(64)).max(64),
  events: counts,
  drops: counts,
  spool: z.strictObject({ depth: z.int().min(0), bytes: z.int().min(0), dropped: z.int().min(0) }),
  policyVersion: z.int().min(0).nullable(),
  /** The policy bundle the agent applies (see GET /api/agent/v1/policies), or why the newest is not applied. */
  policies: z
    .strictObject({
      hash: z.string().max(64).nullable(),
      applied: z.array(z.strictObject({ name: z.string().max(63), version: z.int().min(1) })).max(1000),
      error: z.string().max(2000).nullable(),
      enforcing: z.boolean(),
    })
    .optional(),
});

export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** Records what an agent reports about itself and when it last spoke. */
export function recordHeartbeat(
  store: Store,
  agent: AuthenticatedAgent,
  body: unknown,
  nowMs = Date.now(),
): void {
  const parsed = heartbeatSchema.safeParse(body);
  if (!parsed.success) {
    throw badRequest(`not a heartbeat: ${describeIssues(parsed.error, "(heartbeat)")}`);
  }
  const beat = parsed.data;
  store.db
    .update(hosts)
    .set({
      name: beat.name,
      os: beat.os,
      kernel: beat.kernel,
      agentVersion: beat.agentVersion,
      sensorMode: beat.sensor?.mode ?? null,
      sensorReason: beat.sensor?.reason ?? null,
      capabilities: beat.capabilities,
      health: { events: beat.events, drops: beat.drops, spool: beat.spool },
      spoolDepth: beat.spool.depth,
      policyVersion: beat.policyVersion,
      policyStatus: beat.policies ?? null,
      lastSeenMs: nowMs,
    })
    .where(eq(hosts.id, agent.hostId))
    .run();
}
