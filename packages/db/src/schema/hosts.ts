import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** A machine that runs an agent; `machine_id` is the `host.id` its events carry. */
export const hosts = sqliteTable("hosts", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  machineId: text("machine_id").notNull().unique(),
  name: text("name").notNull(),
  labels: text("labels", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
  os: text("os"),
  kernel: text("kernel"),
  agentVersion: text("agent_version"),
  sensorMode: text("sensor_mode", { enum: ["lsm", "tracepoint"] }),
  sensorReason: text("sensor_reason"),
  capabilities: text("capabilities", { mode: "json" }).$type<string[]>(),
  health: text("health", { mode: "json" }).$type<Record<string, unknown>>(),
  spoolDepth: integer("spool_depth"),
  policyVersion: integer("policy_version"),
  /** What the agent last said it applies: the bundle's hash and policy versions, or why the newest is not applied. */
  policyStatus: text("policy_status", { mode: "json" }).$type<{
    hash: string | null;
    applied: { name: string; version: number }[];
    error: string | null;
    enforcing: boolean;
  }>(),
  /** When a host whose sensor ran in lsm mode reported tracepoint (it can no longer enforce); null while lsm. */
  lsmLostMs: integer("lsm_lost_ms"),
  /** The host-health alert rules raised for what is wrong with it now; one clears when the host recovers. */
  healthAlerts: text("health_alerts", { mode: "json" }).$type<string[]>().notNull().default([]),
  firstSeenMs: integer("first_seen_ms").notNull(),
  lastSeenMs: integer("last_seen_ms").notNull(),
});

export type HostRow = typeof hosts.$inferSelect;
