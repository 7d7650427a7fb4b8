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
    /** the newest matching event (its seq): the process view opens on it */
    lastSeq: int64("last_seq").notNull(),
    updatedMs: integer("updated_ms").notNull(),
  },
  (t) => [
    // The alerts page: open ones, newest activity first.
    index("alerts_status_idx").on(t.status, t.lastNs),
    // Ingest finds the open alert of a rule.
    index("alerts_open_rule_idx").on(t.rule).where(sql`${t.status} != 'resolved'`),
  ],
);

/** Which events an alert stands for. */
export const alertEvents = sqliteTable(
  "alert_events",
  {
    alertId: integer("alert_id").notNull(),
    seq: int64("seq").notNull(),
  },
  (t) => [primaryKey({ columns: [t.alertId, t.seq] })],
);

export type AlertRow = typeof alerts.$inferSelect;
export type Severity = (typeof severities)[number];
export type AlertStatus = (typeof alertStatuses)[number];
