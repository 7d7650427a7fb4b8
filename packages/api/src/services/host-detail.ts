import {
  agents,
  type EventStore,
  enrollTokens,
  hostPolicyChanges,
  hosts,
  type Severity,
  type Store,
} from "@vigil/db";
import { and, desc, eq, isNull } from "drizzle-orm";
import { conflict, notFound } from "../errors";
import { type FleetHost, fleetHosts } from "./fleet";
import { type HealthPoint, hostHealth } from "./fleet-history";

export type HostDetail = {
  host: FleetHost;
  /** the credentials this host enrolled with, newest first: at most one is not revoked */
  agents: {
    id: string;
    createdMs: number;
    revokedMs: number | null;
    enrollToken: string | null;
    rotateRequestedMs: number | null;
    rotatedMs: number | null;
  }[];
  alerts: { id: number; rule: string; severity: Severity; title: string; status: string; lastNs: string }[];
  health: HealthPoint[];
  /** what the agent said it applies, each time that changed, newest first */
  policyHistory: {
    timeMs: number;
    hash: string | null;
    applied: { name: string; version: number }[];
    error: string | null;
    enforcing: boolean;
  }[];
};

const POLICY_HISTORY = 50;

export async function hostDetail(
  store: Store,
  events: EventStore,
  hostId: number,
  nowMs = Date.now(),
): Promise<HostDetail> {
  const [host] = fleetHosts(store, nowMs, hostId);
  if (!host) throw notFound(`no host with id ${hostId}`);
  const enrolled = store.db
    .select({
      id: agents.id,
      createdMs: agents.createdMs,
      revokedMs: agents.revokedMs,
      enrollToken: enrollTokens.name,
      rotateRequestedMs: agents.rotateRequestedMs,
      rotatedMs: agents.rotatedMs,
    })
    .from(agents)
    .leftJoin(enrollTokens, eq(enrollTokens.id, agents.enrollTokenId))
    .where(eq(agents.hostId, hostId))
    .orderBy(desc(agents.createdMs))
    .all();
  const alerts = store.sqlite
    .prepare(
      `SELECT id, rule, severity, title, status, CAST(last_ns AS TEXT) AS lastNs FROM alerts
       WHERE EXISTS (SELECT 1 FROM json_each(alerts.host_ids) WHERE value = ?)
       ORDER BY last_ns DESC LIMIT 20`,
    )
    .all(hostId) as HostDetail["alerts"];
  const policyHistory = store.db
    .select({
      timeMs: hostPolicyChanges.timeMs,
      hash: hostPolicyChanges.hash,
      applied: hostPolicyChanges.applied,
      error: hostPolicyChanges.error,
      enforcing: hostPolicyChanges.enforcing,
    })
    .from(hostPolicyChanges)
    .where(eq(hostPolicyChanges.hostId, hostId))
    .orderBy(desc(hostPolicyChanges.id))
    .limit(POLICY_HISTORY)
    .all();
  const health = await hostHealth(store, events, hostId, nowMs);
  return { host, agents: enrolled, alerts, health, policyHistory };
}

export function setHostLabels(store: Store, hostId: number, labels: Record<string, string>): void {
  const { changes } = store.db.update(hosts).set({ labels }).where(eq(hosts.id, hostId)).run();
  if (changes === 0) throw notFound(`no host with id ${hostId}`);
}

/** Refuses the host's agent from now on; it sends nothing more until it is enrolled again. Returns how many. */
export function revokeHostAgents(store: Store, hostId: number, nowMs = Date.now()): number {
  requireHost(store, hostId);
  return store.db
    .update(agents)
    .set({ revokedMs: nowMs })
    .where(and(eq(agents.hostId, hostId), isNull(agents.revokedMs)))
    .run().changes;
}

/**
 * Asks the host's agent for a new credential: its next heartbeat is answered so, it fetches one with the old, and
 * the old is refused once the new is used. Returns how many agents were asked (0: none is enrolled and not revoked).
 */
export function rotateHostCredential(store: Store, hostId: number, nowMs = Date.now()): number {
  requireHost(store, hostId);
  const { changes } = store.db
    .update(agents)
    .set({ rotateRequestedMs: nowMs })
    .where(and(eq(agents.hostId, hostId), isNull(agents.revokedMs)))
    .run();
  if (changes === 0) throw conflict("this host has no enrolled agent to rotate: enroll one with a token");
  return changes;
}

function requireHost(store: Store, hostId: number): void {
  if (!store.db.select({ id: hosts.id }).from(hosts).where(eq(hosts.id, hostId)).get()) {
    throw notFound(`no host with id ${hostId}`);
  }
}
