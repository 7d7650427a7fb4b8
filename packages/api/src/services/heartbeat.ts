import { hostPolicyChanges, hostSamples, hosts, type Store } from "@vigil/db";
import { describeIssues } from "@vigil/events";
import { and, desc, eq, isNotNull } from "drizzle-orm";
import { z } from "zod";
import { badRequest } from "../errors";
import { AlertRecorder } from "./alerts";
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
  /** How often the sensor stopped and the agent started it again, and the last gap (host clock). */
  sensorGaps: z
    .strictObject({
      count: z.int().min(0),
      last: z
        .strictObject({
          startMs: z.int().min(0),
          endMs: z.int().min(0).nullable(),
          reason: z.string().max(1000),
        })
        .nullable(),
    })
    .optional(),
  /** The host's wall clock when it sent this (ms since the epoch): how far it is off the server's. */
  clockMs: z.int().min(0).optional(),
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
type SensorGap = NonNullable<NonNullable<Heartbeat["sensorGaps"]>["last"]>;

const sensorGapRule = {
  rule: "host-sensor-gap",
  severity: "high",
  title: "A host's sensor stopped: its events were not observed until the agent started it again",
} as const;

/** A heartbeat's body, checked; 400 naming what is wrong. */
export function parseHeartbeat(body: unknown): Heartbeat {
  const parsed = heartbeatSchema.safeParse(body);
  if (!parsed.success) {
    throw badRequest(`not a heartbeat: ${describeIssues(parsed.error, "(heartbeat)")}`);
  }
  return parsed.data;
}

/** Records what an agent reports about itself (a checked heartbeat) and when it last spoke. */
export function recordHeartbeat(
  store: Store,
  agent: AuthenticatedAgent,
  beat: Heartbeat,
  nowMs = Date.now(),
): void {
  // One transaction: a commit costs more than these few rows. In the server's shared commits (one is open) no
  // savepoint of its own: one copies every page it touches, and a failure rolls the whole group back anyway.
  if (store.sqlite.inTransaction) record(store, agent.hostId, beat, nowMs);
  else store.sqlite.transaction(() => record(store, agent.hostId, beat, nowMs)).immediate();
}

function record(store: Store, hostId: number, beat: Heartbeat, nowMs: number): void {
  const mode = beat.sensor?.mode ?? null;
  const before = store.db
    .select({
      mode: hosts.sensorMode,
      lsmLostMs: hosts.lsmLostMs,
      policyStatus: hosts.policyStatus,
      health: hosts.health,
    })
    .from(hosts)
    .where(eq(hosts.id, hostId))
    .get();
  // A host that could enforce and now only observes is flagged until its sensor runs in lsm mode again. While an
  // agent starts, its sensor is not reported yet: the mode before is the last one a heartbeat gave.
  const modeBefore =
    before?.mode ??
    store.db
      .select({ mode: hostSamples.sensorMode })
      .from(hostSamples)
      .where(and(eq(hostSamples.hostId, hostId), isNotNull(hostSamples.sensorMode)))
      .orderBy(desc(hostSamples.minute))
      .limit(1)
      .get()?.mode;
  const lsmLostMs =
    mode === "lsm"
      ? null
      : mode === "tracepoint" && modeBefore === "lsm"
        ? nowMs
        : (before?.lsmLostMs ?? null);
  const drops = Object.values(beat.drops).reduce((sum, n) => sum + n, 0);
  const sample = { sensorMode: mode, drops, spoolDepth: beat.spool.depth };
  store.db
    .insert(hostSamples)
    .values({ hostId: hostId, minute: Math.floor(nowMs / 60_000), ...sample })
    .onConflictDoUpdate({ target: [hostSamples.hostId, hostSamples.minute], set: sample })
    .run();
  // Ahead (positive) or behind; the heartbeat's time in flight, milliseconds, is within the noise of what matters.
  const clockSkewMs = beat.clockMs === undefined ? null : beat.clockMs - nowMs;
  // The last gap, kept across agent restarts (whose counts begin again): a new one raises an alert.
  const gapBefore = (before?.health?.sensorGap ?? null) as SensorGap | null;
  const sensorGap = beat.sensorGaps?.last ?? gapBefore;
  if (sensorGap && sensorGap.startMs !== gapBefore?.startMs) {
    new AlertRecorder(store.sqlite).raise(
      sensorGapRule,
      hostId,
      null,
      BigInt(sensorGap.startMs) * 1_000_000n,
      nowMs,
    );
  }
  if (beat.policies && !samePolicyState(before?.policyStatus ?? null, beat.policies)) {
    recordPolicyChange(store, hostId, beat.policies, nowMs);
  }
  store.db
    .update(hosts)
    .set({
      name: beat.name,
      os: beat.os,
      kernel: beat.kernel,
      agentVersion: beat.agentVersion,
      sensorMode: mode,
      lsmLostMs,
      sensorReason: beat.sensor?.reason ?? null,
      capabilities: beat.capabilities,
      health: { events: beat.events, drops: beat.drops, spool: beat.spool, sensorGap, clockSkewMs },
      spoolDepth: beat.spool.depth,
      policyVersion: beat.policyVersion,
      policyStatus: beat.policies ?? null,
      lastSeenMs: nowMs,
    })
    .where(eq(hosts.id, hostId))
    .run();
}

type PolicyState = NonNullable<Heartbeat["policies"]>;

const samePolicyState = (before: PolicyState | null, now: PolicyState) =>
  before !== null &&
  before.hash === now.hash &&
  before.error === now.error &&
  before.enforcing === now.enforcing &&
  JSON.stringify(before.applied) === JSON.stringify(now.applied);

const KEPT_POLICY_CHANGES = 100;

function recordPolicyChange(store: Store, hostId: number, state: PolicyState, nowMs: number): void {
  store.db
    .insert(hostPolicyChanges)
    .values({
      hostId,
      timeMs: nowMs,
      hash: state.hash,
      applied: state.applied,
      error: state.error,
      enforcing: state.enforcing,
    })
    .run();
  store.sqlite
    .prepare(
      `DELETE FROM host_policy_changes WHERE host_id = ? AND id <= (
         SELECT id FROM host_policy_changes WHERE host_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    )
    .run(hostId, hostId, KEPT_POLICY_CHANGES);
}
