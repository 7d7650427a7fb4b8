import type { Store } from "@vigil/db";

const MINUTE_MS = 60_000;

/** Events stored per minute over the last `minutes` minutes, oldest first, for each host asked about. */
export function eventsPerMinute(
  store: Store,
  hostIds: number[],
  nowMs: number,
  minutes = 60,
): Record<number, number[]> {
  const last = Math.floor(nowMs / MINUTE_MS);
  const first = last - minutes + 1;
  const series: Record<number, number[]> = {};
  for (const id of hostIds) series[id] = new Array<number>(minutes).fill(0);
  if (hostIds.length === 0) return series;
  const rows = store.sqlite
    .prepare(
      `SELECT host_id, minute, sum(count) AS n FROM event_rollups
       WHERE minute >= ? AND minute <= ? AND host_id IN (SELECT value FROM json_each(?))
       GROUP BY host_id, minute`,
    )
    .all(first, last, JSON.stringify(hostIds)) as { host_id: number; minute: number; n: number }[];
  for (const row of rows) {
    const points = series[row.host_id];
    if (points) points[row.minute - first] = row.n;
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
export function hostHealth(store: Store, hostId: number, nowMs: number, hours = 24): HealthPoint[] {
  const last = Math.floor(nowMs / 3_600_000);
  const first = last - hours + 1;
  const points: HealthPoint[] = [];
  for (let hour = first; hour <= last; hour++) {
    points.push({ timeMs: hour * 3_600_000, events: 0, drops: null, spoolDepth: null });
  }
  const events = store.sqlite
    .prepare(
      `SELECT hour, sum(count) AS n FROM event_rollups_hourly WHERE hour >= ? AND host_id = ? GROUP BY hour`,
    )
    .all(first, hostId) as { hour: number; n: number }[];
  for (const row of events) {
    const point = points[row.hour - first];
    if (point) point.events = row.n;
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
