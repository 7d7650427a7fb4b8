import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Boot ids of the agents' event ids (`<boot>-<ktime>-<tid>-<type>`), stored once: see events/event-id.ts. */
export const boots = sqliteTable("boots", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  boot: text("boot").notNull().unique(),
});
