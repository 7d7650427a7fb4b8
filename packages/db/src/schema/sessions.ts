import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./users";

/** Console sign-ins. The cookie holds `<id>.<secret>`; only the secret's SHA-256 is kept. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    secretHash: text("secret_hash").notNull(),
    createdMs: integer("created_ms").notNull(),
    expiresMs: integer("expires_ms").notNull(),
  },
  // Signing a user out everywhere (disabled, role changed).
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export type SessionRow = typeof sessions.$inferSelect;
