import { blob, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { int64 } from "./int64";

/** A file an event names (the executable of an exec, the file an unlink_running removed), stored once. */
export const files = sqliteTable("files", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  key: blob("key", { mode: "buffer" }).notNull().unique(),
  path: text("path").notNull(),
  dev: integer("dev").notNull(),
  inode: int64("inode").notNull(),
});
