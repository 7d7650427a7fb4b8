import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Counts kept up to date at ingest, so the dashboard sums a few thousand rows instead of scanning millions of events.
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
