import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * What a host's heartbeats said, one row per host and minute (the last heartbeat of the minute): the host page's
 * agent health over time and the fleet page's chart. Kept as long as the per-minute event counts.
 */
export const hostSamples = sqliteTable(
  "host_samples",
  {
    hostId: integer("host_id").notNull(),
    /** minutes since the epoch */
    minute: integer("minute").notNull(),
    sensorMode: text("sensor_mode", { enum: ["lsm", "tracepoint"] }),
    /** events the sensor and the spool dropped since the agent started, as reported */
    drops: integer("drops").notNull(),
    spoolDepth: integer("spool_depth").notNull(),
  },
  (t) => [
    // A host's health over time.
    primaryKey({ columns: [t.hostId, t.minute] }),
    // The fleet over time, and pruning by age.
    index("host_samples_minute_idx").on(t.minute),
  ],
);
