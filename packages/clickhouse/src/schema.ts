import type { ClickHouseClient } from "@clickhouse/client";

/**
 * Where the tables are: a database and, on a cluster, the cluster's name in the servers' `remote_servers`. On a
 * cluster each shard holds `*_local` tables and the names without `_local` are Distributed tables over them;
 * on one server the names without `_local` are the tables themselves.
 */
export type Layout = { database: string; cluster?: string };

export const tables = (layout: Layout) => {
  const local = (name: string) => `${layout.database}.${name}${layout.cluster ? "_local" : ""}`;
  return {
    events: `${layout.database}.events`,
    eventsLocal: local("events"),
    counts: `${layout.database}.event_counts`,
    countsLocal: local("event_counts"),
    execs: `${layout.database}.exec_counts`,
    execsLocal: local("exec_counts"),
    arrivals: `${layout.database}.arrivals`,
    arrivalsLocal: local("arrivals"),
  };
};

/**
 * The statements that create the schema on one server (each shard of a cluster runs them all). Only what the
 * oldest server we support has (Debian's 18.16): no DateTime64 (times are Int64 nanoseconds), no TTL (retention
 * drops whole days, the partitions), no data-skipping indexes.
 *
 * - `events`: one row per event, its JSON whole (`event`) beside the columns filters read. Sorted by time, which
 *   the explorer reads; partitioned by day, which retention drops. ReplacingMergeTree keyed by (time, key), key
 *   being a hash of the host and the event id (rows.ts): a retried batch stored twice is merged back into one, and
 *   every read keeps one row per key meanwhile (GROUP BY). `shape`: what a policy rule can tell apart of an event
 *   (rows.ts), so that a back-test judges one event of each shape.
 * - `event_counts`, `exec_counts`: what the dashboard and the explorer's time windows read, summed as events
 *   arrive by materialized views: per minute, host and type; per hour and executable.
 * - `arrivals`: each event's time and key in the order events reached the server, what live tails read;
 *   partitioned by the day they arrived.
 */
export function schemaStatements(layout: Layout): string[] {
  const t = tables(layout);
  const statements = [
    `CREATE DATABASE IF NOT EXISTS ${layout.database}`,
    `CREATE TABLE IF NOT EXISTS ${t.eventsLocal} (
      day Int32,
      minute Int64,
      time_ns Int64,
      host_id String,
      id String,
      key UInt64,
      received_ms UInt64,
      host_name String,
      type UInt8,
      sensor UInt8,
      verdict UInt8,
      pid UInt32,
      ppid UInt32,
      uid UInt32,
      parent_pid Int64,
      exe String,
      filename String,
      parent_exe String,
      words String,
      file_words String,
      shape UInt64,
      event String
    ) ENGINE = ReplacingMergeTree PARTITION BY day ORDER BY (time_ns, key) SETTINGS index_granularity = 1024`,
    `CREATE TABLE IF NOT EXISTS ${t.countsLocal} (day Int32, minute Int64, host_id String, type UInt8, count UInt64)
      ENGINE = SummingMergeTree PARTITION BY day ORDER BY (minute, host_id, type)`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.countsLocal}_mv TO ${t.countsLocal} AS
      SELECT day, minute, host_id, type, count() AS count FROM ${t.eventsLocal} GROUP BY day, minute, host_id, type`,
    `CREATE TABLE IF NOT EXISTS ${t.execsLocal} (day Int32, hour Int64, exe String, count UInt64)
      ENGINE = SummingMergeTree PARTITION BY day ORDER BY (hour, exe)`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.execsLocal}_mv TO ${t.execsLocal} AS
      SELECT day, intDiv(minute - if(minute < 0, 59, 0), 60) AS hour, exe, count() AS count
      FROM ${t.eventsLocal} WHERE type = 0 GROUP BY day, hour, exe`,
    `CREATE TABLE IF NOT EXISTS ${t.arrivalsLocal} (day Int32, received_ms UInt64, key UInt64, time_ns Int64)
      ENGINE = MergeTree PARTITION BY day ORDER BY (received_ms, key)`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.arrivalsLocal}_mv TO ${t.arrivalsLocal} AS
      SELECT toInt32(intDiv(received_ms, 86400000)) AS day, received_ms, key, time_ns FROM ${t.eventsLocal}`,
  ];
  if (layout.cluster) {
    const distributed = (name: string, local: string, shardBy: string) =>
      `CREATE TABLE IF NOT EXISTS ${name} AS ${local}
        ENGINE = Distributed(${layout.cluster}, ${layout.database}, ${local.split(".")[1]}, ${shardBy})`;
    // A retried event lands on the shard that has it, where it is merged away.
    statements.push(
      distributed(t.events, t.eventsLocal, "key"),
      distributed(t.counts, t.countsLocal, "rand()"),
      distributed(t.execs, t.execsLocal, "rand()"),
      distributed(t.arrivals, t.arrivalsLocal, "rand()"),
    );
  }
  return statements;
}

export async function createSchema(client: ClickHouseClient, layout: Layout): Promise<void> {
  for (const query of schemaStatements(layout)) await client.command({ query });
}
