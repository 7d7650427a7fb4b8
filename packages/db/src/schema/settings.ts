import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** What admins set in the console (retention, ...): one JSON value per key; a key not here has its default. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).notNull(),
  updatedMs: integer("updated_ms").notNull(),
  /** `user:<name>` or `token:<id>`, as in the audit log. */
  updatedBy: text("updated_by").notNull(),
});
