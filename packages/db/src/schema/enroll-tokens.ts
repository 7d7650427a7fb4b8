import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Lets an agent enroll once per use; hosts that enroll with it get its labels. */
export const enrollTokens = sqliteTable("enroll_tokens", {
  id: text("id").primaryKey(),
  secretHash: text("secret_hash").notNull(),
  name: text("name").notNull(),
  labels: text("labels", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
  createdMs: integer("created_ms").notNull(),
  expiresMs: integer("expires_ms"),
  maxUses: integer("max_uses"),
  uses: integer("uses").notNull().default(0),
  revokedMs: integer("revoked_ms"),
});

export type EnrollTokenRow = typeof enrollTokens.$inferSelect;
