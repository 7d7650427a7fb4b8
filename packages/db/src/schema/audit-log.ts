import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Who did what: sign-ins (and failed ones), sign-outs, user, token and enrollment changes, policy actions. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    timeMs: integer("time_ms").notNull(),
    /** `user:<name>`, `token:<id>`, `cli` or, for a failed sign-in, the name that was tried. */
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    /** The client's address as the server saw it. */
    source: text("source"),
    detail: text("detail"),
  },
  // The audit page: newest first, filtered by action.
  (t) => [index("audit_log_action_idx").on(t.action, t.id)],
);

export type AuditRow = typeof auditLog.$inferSelect;
