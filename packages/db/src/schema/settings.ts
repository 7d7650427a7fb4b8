import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Server settings an admin can change at run time (retention, ...), as JSON values. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).notNull(),
});
