import { type EventStore, type Store, typeNames } from "@vigil/db";
import type { EventType } from "@vigil/events";

// The last hour by the minute; a day or a week by the hour (buckets of whole hours are counted by the hour).
export const dashboardRanges = {
  "1h": { ms: 3_600_000, bucketMinutes: 2 },
  "24h": { ms: 86_400_000, bucketMinutes: 60 },
  "7d": { ms: 7 * 86_400_000, bucketMinutes: 360 },
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

/**
 * What the dashboard shows for a range ending now: the event store's counts, and from the control plane the
 * alerts and the hosts' last reports.
 */
export async function dashboard(
  store: Store,
  eventStore: EventStore,
  range: DashboardRange,
  nowMs = Date.now(),
): Promise<Dashboard> {
  const { ms, bucketMinutes } = dashboardRanges[range];
  const toMinute = Math.floor(nowMs / 60_000);
  const fromMinute = Math.floor((toMinute - ms / 60_000) / bucketMinutes) * bucketMinutes;
  const sql = store.sqlite;
  const countRange = { fromMinute, toMinute, bucketMinutes };

  const byBucket = new Map<number, Record<string, number>>();
  for (let b = fromMinute; b <= toMinute; b += bucketMinutes) byBucket.set(b, {});
  const byHost = new Map<string, number>();
  let events = 0;
  for (const c of await eventStore.counts(countRange)) {
    const bucket = byBucket.get(c.bucketMinute) ?? {};
    bucket[c.type] = (bucket[c.type] ?? 0) + c.count;
    byBucket.set(c.bucketMinute, bucket);
    byHost.set(c.host, (byHost.get(c.host) ?? 0) + c.count);
    events += c.count;
  }
  const series = [...byBucket]
    .sort(([a], [b]) => a - b)
    .map(([minute, counts]) => ({
      time: isoMinute(minute),
      ...(Object.fromEntries(typeNames.map((t) => [t, counts[t] ?? 0])) as Record<EventType, number>),
    }));

  const names = new Map(
    (sql.prepare("SELECT machine_id, name FROM hosts").all() as { machine_id: string; name: string }[]).map(
      (h) => [h.machine_id, h.name],
    ),
  );
  const topHosts = [...byHost]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, 10)
    .map(([host, count]) => ({ host, name: names.get(host) ?? host, count }));
  const topExecutables = await eventStore.topExecutables(countRange, 10);
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
