import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { agents } from "./agents";

/**
 * How far each agent's spool has been stored. An agent numbers its events 1, 2, 3... in a stream (one per spool
 * file); a retried batch carries the same numbers, so whatever is at or below `last_seq` is already here.
 */
export const eventStreams = sqliteTable(
  "event_streams",
  {
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    stream: text("stream").notNull(),
    lastSeq: integer("last_seq").notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.stream] })],
);
