import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { enrollTokens } from "./enroll-tokens";
import { hosts } from "./hosts";

/** An enrolled agent: its credential is `<id>.<secret>`; only the secret's SHA-256 is kept. */
export const agents = sqliteTable("agents", {
  id: text("id").primaryKey(),
  hostId: integer("host_id")
    .notNull()
    .references(() => hosts.id),
  secretHash: text("secret_hash").notNull(),
  enrollTokenId: text("enroll_token_id").references(() => enrollTokens.id),
  createdMs: integer("created_ms").notNull(),
  revokedMs: integer("revoked_ms"),
});

export type AgentRow = typeof agents.$inferSelect;
