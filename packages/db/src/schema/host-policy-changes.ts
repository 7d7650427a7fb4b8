import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Each change in what a host's agent said it applies (another bundle, a failure, enforcing or not): the host page's
 * policy history. A heartbeat that repeats the last state adds nothing; the newest 100 per host are kept.
 */
export const hostPolicyChanges = sqliteTable(
  "host_policy_changes",
  {
    id: integer("id").primaryKey(),
    hostId: integer("host_id").notNull(),
    timeMs: integer("time_ms").notNull(),
    /** the bundle's hash; null: none applied yet */
    hash: text("hash"),
    applied: text("applied", { mode: "json" }).$type<{ name: string; version: number }[]>().notNull(),
    /** why the newest bundle is not applied */
    error: text("error"),
    enforcing: integer("enforcing", { mode: "boolean" }).notNull(),
  },
  // A host's history, newest first.
  (t) => [index("host_policy_changes_host_idx").on(t.hostId, t.id)],
);
