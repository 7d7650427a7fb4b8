import { type EventStore, hosts, type Store } from "@vigil/db";
import { eq, inArray } from "drizzle-orm";

const MINUTE_MS = 60_000;

/** Events stored per minute over the last `minutes` minutes, oldest first, for each host asked about. */
export async function eventsPerMinute(
  store: Store,
  events: EventStore,
  hostIds: number[],
  nowMs: number,
  minutes = 60,
): Promise<Record<number, number[]>> {
  const last = Math.floor(nowMs / MINUTE_MS);
  const first = last - minutes + 1;
  const series: Record<number, number[]> = {};
  for (const id of hostIds) series[id] = new Array<number>(minutes).fill(0);
  if (hostIds.length === 0) return series;
  const ids = new Map(
    store.db
      .select({ id: hosts.id, machineId: hosts.machineId })
      .from(hosts)
      .where(inArray(hosts.id, hostIds))
      .all()
      .map((h) => [h.machineId, h.id]),
  );
  const range = { fromMinute: first, toMinute: last, bucketMinutes: 1, hosts: [...ids.keys()] };
  for (const { host, bucketMinute, count } of await events.counts(range)) {
    const points = series[ids.get(host) ?? -1];
    if (points) points[bucketMinute - first] = (points[bucketMinute - first] ?? 0) + count;
  }
  return series;
}

export type FleetPoint = { timeMs: number; lsm: number; tracepoint: number; none: number };

/**
 * Hosts that sent a heartbeat in each `bucketMinutes` over the last `hours`, by the sensor mode they reported:
 * how much of the fleet was reporting, and how much of it could enforce.
 */
export function fleetOverTime(store: Store, nowMs: number, hours = 24, bucketMinutes = 10): FleetPoint[] {
  const last = Math.floor(nowMs / MINUTE_MS / bucketMinutes);
  const first = last - (hours * 60) / bucketMinutes + 1;
  const rows = store.sqlite
    .prepare(
      `SELECT minute / ? AS bucket, coalesce(sensor_mode, 'none') AS mode, count(DISTINCT host_id) AS n
       FROM host_samples WHERE minute >= ? GROUP BY bucket, mode`,
    )
    .all(bucketMinutes, first * bucketMinutes) as {
    bucket: number;
    mode: "lsm" | "tracepoint" | "none";
    n: number;
  }[];
  const points: FleetPoint[] = [];
  for (let bucket = first; bucket <= last; bucket++) {
    points.push({ timeMs: bucket * bucketMinutes * MINUTE_MS, lsm: 0, tracepoint: 0, none: 0 });
  }
  for (const row of rows) {
    const point = points[row.bucket - first];
    if (point) point[row.mode] = row.n;
  }
  return points;
}

export type HealthPoint = {
  timeMs: number;
  /** events the host stored in that hour */
  events: number;
  /** the most the agent had dropped since it started, and the deepest spool, as its heartbeats said that hour */
  drops: number | null;
  spoolDepth: number | null;
};

/** A host's last `hours`, hour by hour: what it sent and how its agent was doing. */
export async function hostHealth(
  store: Store,
  events: EventStore,
  hostId: number,
  nowMs: number,
  hours = 24,
): Promise<HealthPoint[]> {
  const last = Math.floor(nowMs / 3_600_000);
  const first = last - hours + 1;
  const points: HealthPoint[] = [];
  for (let hour = first; hour <= last; hour++) {
    points.push({ timeMs: hour * 3_600_000, events: 0, drops: null, spoolDepth: null });
  }
  const host = store.db.select({ machineId: hosts.machineId }).from(hosts).where(eq(hosts.id, hostId)).get();
  const range = { fromMinute: first * 60, toMinute: last * 60 + 59, bucketMinutes: 60 };
  for (const { bucketMinute, count } of host
    ? await events.counts({ ...range, hosts: [host.machineId] })
    : []) {
    const point = points[bucketMinute / 60 - first];
    if (point) point.events += count;
  }
  const samples = store.sqlite
    .prepare(
      `SELECT minute / 60 AS hour, max(drops) AS drops, max(spool_depth) AS spool FROM host_samples
       WHERE host_id = ? AND minute >= ? GROUP BY hour`,
    )
    .all(hostId, first * 60) as { hour: number; drops: number; spool: number }[];
  for (const row of samples) {
    const point = points[row.hour - first];
    if (point) {
      point.drops = row.drops;
      point.spoolDepth = row.spool;
    }
  }
  return points;
}
