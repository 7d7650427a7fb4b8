import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { enrollTokens } from "./enroll-tokens";
import { hosts } from "./hosts";

/**
 * An enrolled agent: its credential is `<id>.<secret>`; only the secret's SHA-256 is kept. A rotation (an admin asks,
 * the agent fetches a new secret) keeps the old secret valid until the agent first uses the new one.
 */
export const agents = sqliteTable("agents", {
  id: text("id").primaryKey(),
  hostId: integer("host_id")
    .notNull()
    .references(() => hosts.id),
  secretHash: text("secret_hash").notNull(),
  enrollTokenId: text("enroll_token_id").references(() => enrollTokens.id),
  createdMs: integer("created_ms").notNull(),
  revokedMs: integer("revoked_ms"),
  /** An admin asked for a new credential: the agent's heartbeats are answered so until it uses one. */
  rotateRequestedMs: integer("rotate_requested_ms"),
  /** The new secret handed to the agent, not used yet. */
  nextSecretHash: text("next_secret_hash"),
  rotatedMs: integer("rotated_ms"),
});

export type AgentRow = typeof agents.$inferSelect;
