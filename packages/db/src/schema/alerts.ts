import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { int64 } from "./int64";

export const severities = ["low", "medium", "high", "critical"] as const;
export const alertStatuses = ["new", "acknowledged", "resolved"] as const;

/**
 * A detection's matches, grouped: while an alert is not resolved, each new match of its rule adds to it ("fired 37
 * times on 4 hosts") instead of opening another.
 */
export const alerts = sqliteTable(
  "alerts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    rule: text("rule").notNull(),
    severity: text("severity", { enum: severities }).notNull(),
    title: text("title").notNull(),
    status: text("status", { enum: alertStatuses }).notNull(),
    /** a user name */
    assignee: text("assignee"),
    count: integer("count").notNull(),
    /** the hosts (ids) it fired on */
    hostIds: text("host_ids", { mode: "json" }).$type<number[]>().notNull(),
    firstNs: int64("first_ns").notNull(),
    lastNs: int64("last_ns").notNull(),
    /** the newest matching event (its reference, see EventRef): the process view opens on it */
    lastSeq: int64("last_seq").notNull(),
    /** the host and pid of that event */
    lastHostId: integer("last_host_id"),
    lastPid: integer("last_pid"),
    updatedMs: integer("updated_ms").notNull(),
  },
  (t) => [
    // The alerts page: open ones, newest activity first.
    index("alerts_status_idx").on(t.status, t.lastNs),
    // Ingest finds the open alert of a rule.
    index("alerts_open_rule_idx").on(t.rule).where(sql`${t.status} != 'resolved'`),
  ],
);

/** Which events an alert stands for: their references in the event store (EventRef: a time and a number). */
export const alertEvents = sqliteTable(
  "alert_events",
  {
    alertId: integer("alert_id").notNull(),
    /** SQLite's arrival number, or ClickHouse's key of the event (as a signed 64-bit number) */
    seq: int64("seq").notNull(),
    timeNs: int64("time_ns"),
  },
  (t) => [
    primaryKey({ columns: [t.alertId, t.seq] }),
    // An alert's events, newest first.
    index("alert_events_time_idx").on(t.alertId, t.timeNs),
  ],
);

export type AlertRow = typeof alerts.$inferSelect;
export type Severity = (typeof severities)[number];
export type AlertStatus = (typeof alertStatuses)[number];
