import { agents, enrollTokens, hosts, type Severity, type Store } from "@vigil/db";
import { and, desc, eq, isNull } from "drizzle-orm";
import { notFound } from "../errors";
import { type FleetHost, fleetHosts } from "./fleet";
import { type HealthPoint, hostHealth } from "./fleet-history";

export type HostDetail = {
  host: FleetHost;
  /** the credentials this host enrolled with, newest first: at most one is not revoked */
  agents: { id: string; createdMs: number; revokedMs: number | null; enrollToken: string | null }[];
  alerts: { id: number; rule: string; severity: Severity; title: string; status: string; lastNs: string }[];
  health: HealthPoint[];
};

export function hostDetail(store: Store, hostId: number, nowMs = Date.now()): HostDetail {
  const [host] = fleetHosts(store, nowMs, hostId);
  if (!host) throw notFound(`no host with id ${hostId}`);
  const enrolled = store.db
    .select({
      id: agents.id,
      createdMs: agents.createdMs,
      revokedMs: agents.revokedMs,
      enrollToken: enrollTokens.name,
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
  return { host, agents: enrolled, alerts, health: hostHealth(store, hostId, nowMs) };
}

export function setHostLabels(store: Store, hostId: number, labels: Record<string, string>): void {
  const { changes } = store.db.update(hosts).set({ labels }).where(eq(hosts.id, hostId)).run();
  if (changes === 0) throw notFound(`no host with id ${hostId}`);
}

/** Refuses the host's agent from now on; it sends nothing more until it is enrolled again. Returns how many. */
export function revokeHostAgents(store: Store, hostId: number, nowMs = Date.now()): number {
  if (!store.db.select({ id: hosts.id }).from(hosts).where(eq(hosts.id, hostId)).get()) {
    throw notFound(`no host with id ${hostId}`);
  }
  return store.db
    .update(agents)
    .set({ revokedMs: nowMs })
    .where(and(eq(agents.hostId, hostId), isNull(agents.revokedMs)))
    .run().changes;
}
