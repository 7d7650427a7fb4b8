import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Counts kept up to date at ingest, so the dashboard sums a few thousand rows instead of scanning millions of events.
 * Per minute for the last hour's view (kept two days).
 */
export const eventRollups = sqliteTable(
  "event_rollups",
  {
    /** minutes since the epoch */
    minute: integer("minute").notNull(),
    hostId: integer("host_id").notNull(),
    type: integer("type").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.hostId, t.type] })],
);

/** The same counts per hour, kept as long as the events: the dashboard's day and week. */
export const eventRollupsHourly = sqliteTable(
  "event_rollups_hourly",
  {
    /** hours since the epoch */
    hour: integer("hour").notNull(),
    hostId: integer("host_id").notNull(),
    type: integer("type").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.hour, t.hostId, t.type] })],
);

/** Execs per executable and hour: the dashboard's top executables. */
export const execRollups = sqliteTable(
  "exec_rollups",
  {
    /** hours since the epoch */
    hour: integer("hour").notNull(),
    exe: text("exe").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.hour, t.exe] })],
);
