import { type Store, typeNames } from "@vigil/db";
import type { EventType } from "@vigil/events";

// The last hour from per-minute counts; a day or a week from per-hour ones (a few thousand rows at most).
const perMinute = { table: "event_rollups", column: "minute", minutes: 1 } as const;
const perHour = { table: "event_rollups_hourly", column: "hour", minutes: 60 } as const;
export const dashboardRanges = {
  "1h": { ms: 3_600_000, bucketMinutes: 2, counts: perMinute },
  "24h": { ms: 86_400_000, bucketMinutes: 60, counts: perHour },
  "7d": { ms: 7 * 86_400_000, bucketMinutes: 360, counts: perHour },
} as const;
export type DashboardRange = keyof typeof dashboardRanges;

export type Dashboard = {
  range: DashboardRange;
  from: string;
  to: string;
  bucketMinutes: number;
  /** events per bucket and type, oldest first, every bucket present */
  series: ({ time: string } & Record<EventType, number>)[];
  totals: { events: number; openAlerts: number; hosts: number };
  alertsBySeverity: { severity: string; count: number }[];
  topExecutables: { exe: string; count: number }[];
  topHosts: { host: string; name: string; count: number }[];
  hostsByMode: { mode: string; count: number }[];
  /** hosts whose sensor or spool dropped events, as they last reported */
  drops: { host: string; name: string; kernel: number; spool: number }[];
};

const isoMinute = (minute: number) => new Date(minute * 60_000).toISOString();

/** What the dashboard shows for a range ending now: from the rollups, the alerts and the hosts' last reports. */
export function dashboard(store: Store, range: DashboardRange, nowMs = Date.now()): Dashboard {
  const { ms, bucketMinutes, counts } = dashboardRanges[range];
  const toMinute = Math.floor(nowMs / 60_000);
  const fromMinute = Math.floor((toMinute - ms / 60_000) / bucketMinutes) * bucketMinutes;
  const sql = store.sqlite;

  const byBucket = new Map<number, Record<string, number>>();
  for (let b = fromMinute; b <= toMinute; b += bucketMinutes) byBucket.set(b, {});
  // Sizes and names are ours, written into the SQL: a bound number would be a REAL and not divide evenly.
  const per = bucketMinutes / counts.minutes;
  const from = Math.floor(fromMinute / counts.minutes);
  const to = Math.floor(toMinute / counts.minutes);
  const rows = sql
    .prepare(
      `SELECT (${counts.column} / ${per}) * ${bucketMinutes} AS bucket, type, sum(count) AS count FROM ${counts.table}
       WHERE ${counts.column} >= ? AND ${counts.column} <= ? GROUP BY bucket, type`,
    )
    .all(from, to) as { bucket: number; type: number; count: number }[];
  let events = 0;
  for (const r of rows) {
    const bucket = byBucket.get(r.bucket) ?? {};
    bucket[typeNames[r.type] ?? "unknown"] = r.count;
    byBucket.set(r.bucket, bucket);
    events += r.count;
  }
  const series = [...byBucket]
    .sort(([a], [b]) => a - b)
    .map(([minute, counts]) => ({
      time: isoMinute(minute),
      ...(Object.fromEntries(typeNames.map((t) => [t, counts[t] ?? 0])) as Record<EventType, number>),
    }));

  const names = new Map(
    (
      sql.prepare("SELECT id, machine_id, name FROM hosts").all() as {
        id: number;
        machine_id: string;
        name: string;
      }[]
    ).map((h) => [h.id, h]),
  );
  const topHosts = (
    sql
      .prepare(
        `SELECT host_id, sum(count) AS count FROM ${counts.table} WHERE ${counts.column} >= ? AND ${counts.column} <= ?
         GROUP BY host_id ORDER BY count DESC LIMIT 10`,
      )
      .all(from, to) as { host_id: number; count: number }[]
  ).map((r) => ({
    host: names.get(r.host_id)?.machine_id ?? String(r.host_id),
    name: names.get(r.host_id)?.name ?? `host ${r.host_id}`,
    count: r.count,
  }));
  const topExecutables = sql
    .prepare(
      `SELECT exe, sum(count) AS count FROM exec_rollups WHERE hour >= ? AND hour <= ?
       GROUP BY exe ORDER BY count DESC LIMIT 10`,
    )
    .all(Math.floor(fromMinute / 60), Math.floor(toMinute / 60)) as { exe: string; count: number }[];
  const alertsBySeverity = sql
    .prepare("SELECT severity, count(*) AS count FROM alerts WHERE status != 'resolved' GROUP BY severity")
    .all() as { severity: string; count: number }[];
  const hostsByMode = sql
    .prepare(
      "SELECT coalesce(sensor_mode, 'not reported') AS mode, count(*) AS count FROM hosts GROUP BY mode",
    )
    .all() as { mode: string; count: number }[];
  const drops = (
    sql.prepare("SELECT machine_id, name, health FROM hosts WHERE health IS NOT NULL").all() as {
      machine_id: string;
      name: string;
      health: string;
    }[]
  )
    .map((h) => {
      const health = JSON.parse(h.health) as { drops?: Record<string, number>; spool?: { dropped?: number } };
      const kernel = Object.values(health.drops ?? {}).reduce((a, b) => a + b, 0);
      return { host: h.machine_id, name: h.name, kernel, spool: health.spool?.dropped ?? 0 };
    })
    .filter((d) => d.kernel + d.spool > 0);

  return {
    range,
    from: isoMinute(fromMinute),
    to: new Date(nowMs).toISOString(),
    bucketMinutes,
    series,
    totals: {
      events,
      openAlerts: alertsBySeverity.reduce((a, b) => a + b.count, 0),
      hosts: names.size,
    },
    alertsBySeverity,
    topExecutables,
    topHosts,
    hostsByMode,
    drops,
  };
}
