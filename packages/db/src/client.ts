import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "./schema";

export type Db = BetterSQLite3Database<typeof schema>;
export type Store = { sqlite: Database.Database; db: Db; close(): void };

/**
 * Opens (creating if needed) the database at `path` and brings its schema up to date with the committed
 * migrations (a bundler that moves this file passes where they are).
 */
export function openStore(
  path: string,
  migrationsFolder = join(import.meta.dirname, "..", "drizzle"),
): Store {
  mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  // For a new database (an existing one keeps its own). Events land all over the indexes by program, file and pid,
  // and a commit writes each page it touched whole: the smaller the page, the fewer bytes a stored event costs.
  // 16 KiB pages wrote 6.7 KB per event into a store of 1M events and 10 KB at 5M (ingest 91,000 -> 67,000
  // events/s); 4 KiB pages write 2.0-2.9 KB (96,600 -> 80,800 events/s), same run of bench:load's store growth.
  sqlite.pragma("page_size = 4096");
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL"); // WAL + NORMAL: a crash of the process loses nothing committed
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // Checkpoint every 256 MiB of WAL rather than 4 MiB: a page that many commits rewrite (an index's) is copied back
  // once. With 64 MiB, ingest into a growing store was 10-16% slower; with 1 GiB, a commit that checkpoints held the
  // console up for 0.5-0.9 s.
  const pageSize = sqlite.pragma("page_size", { simple: true }) as number;
  sqlite.pragma(`wal_autocheckpoint = ${(256 * 1024 * 1024) / pageSize}`);
  sqlite.pragma("cache_size = -65536"); // 64 MiB: the indexes' hot pages stay in memory while millions of rows arrive
  const db = drizzle({ client: sqlite, schema });
  migrate(db, { migrationsFolder });
  return { sqlite, db, close: () => sqlite.close() };
}
