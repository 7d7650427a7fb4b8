import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const roles = ["viewer", "analyst", "admin"] as const;
export type Role = (typeof roles)[number];

export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: roles }).notNull(),
  createdMs: integer("created_ms").notNull(),
  disabledMs: integer("disabled_ms"),
});

export type UserRow = typeof users.$inferSelect;
