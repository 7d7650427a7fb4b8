import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { roles } from "./users";

/** Bearer tokens for automation, `vgt_<id>_<secret>`; only the secret's SHA-256 is kept. */
export const apiTokens = sqliteTable("api_tokens", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  role: text("role", { enum: roles }).notNull(),
  secretHash: text("secret_hash").notNull(),
  createdMs: integer("created_ms").notNull(),
  lastUsedMs: integer("last_used_ms"),
  revokedMs: integer("revoked_ms"),
});

export type ApiTokenRow = typeof apiTokens.$inferSelect;
