import { integer, sqliteTable } from "drizzle-orm/sqlite-core";

/**
 * When events reached the server, to the second: event times are the host's clock, which may be off. A row is the
 * first event (`seq`) stored in a new second; an event arrived at the time of the row with the greatest seq at or
 * below its own.
 */
export const arrivals = sqliteTable("arrivals", {
  seq: integer("seq").primaryKey(),
  receivedMs: integer("received_ms").notNull(),
});
