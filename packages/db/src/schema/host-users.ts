import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { hosts } from "./hosts";

/**
 * The user names of each host, by uid, as its agent last reported them with its events: an event's process.user is
 * read from here (the name its uid has now), so a name is stored once per host rather than once per event.
 */
export const hostUsers = sqliteTable(
  "host_users",
  {
    hostId: integer("host_id")
      .notNull()
      .references(() => hosts.id),
    uid: integer("uid").notNull(),
    name: text("name").notNull(),
  },
  (t) => [primaryKey({ columns: [t.hostId, t.uid] })],
);
