import { blob, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * What a process runs, stored once and referenced by every event of every process that runs it: a fleet runs the
 * same few thousand command lines millions of times. A reference ({exe, comm} of a parent or target) is a row
 * without filename, argv and cwd. Searched through programs_fts (raw SQL migration).
 */
export const programs = sqliteTable("programs", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  key: blob("key", { mode: "buffer" }).notNull().unique(),
  comm: text("comm").notNull(),
  exe: text("exe").notNull(),
  filename: text("filename"),
  argv: text("argv", { mode: "json" }).$type<string[]>(),
  cwd: text("cwd"),
  /** containerId, sha256, exeDeleted, memfd when present. */
  extra: text("extra", { mode: "json" }).$type<Record<string, unknown>>(),
});
