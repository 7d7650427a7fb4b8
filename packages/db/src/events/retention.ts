import type Database from "better-sqlite3";

export type Retention = { maxAgeMs: number; maxEvents: number };

/**
 * Deletes events older than `maxAgeMs` and, beyond `maxEvents`, the oldest ones, `batch` rows per transaction so
 * ingest waits at most one small delete. Freed pages are reused, so the file stops growing. Returns how many
 * rows went; `pause` runs between batches (the server yields to its event loop there). `count` gives the number
 * of stored events when the caller keeps it (counting millions of rows holds the event loop for seconds).
 */
export async function pruneEvents(
  sqlite: Database.Database,
  retention: Retention,
  nowMs: number,
  {
    batch = 2000,
    pause = async () => {},
    count = () => sqlite.prepare("SELECT count(*) FROM events").pluck().get() as number,
  } = {},
): Promise<number> {
  const deleteOlder = sqlite.prepare(
    "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE time_ns < ? ORDER BY time_ns LIMIT ?)",
  );
  const deleteOldest = sqlite.prepare(
    "DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY time_ns LIMIT ?)",
  );
  const cutoffNs = BigInt(nowMs - retention.maxAgeMs) * 1_000_000n;
  const stored = count();
  let deleted = 0;
  for (;;) {
    const { changes } = deleteOlder.run(cutoffNs, batch);
    deleted += changes;
    if (changes < batch) break;
    await pause();
  }
  let excess = stored - deleted - retention.maxEvents;
  while (excess > 0) {
    const { changes } = deleteOldest.run(Math.min(batch, excess));
    deleted += changes;
    excess -= changes;
    if (changes === 0) break;
    await pause();
  }
  if (deleted > 0) {
    // The arrival that events left now still arrived at is the one at or below the oldest of them.
    sqlite
      .prepare(
        `DELETE FROM arrivals WHERE seq < (
           SELECT max(seq) FROM arrivals WHERE seq <= (SELECT min(seq) FROM events))`,
      )
      .run();
  }
  return deleted;
}

/**
 * Deletes programs and files no event refers to any more (after retention), with their search entries, `batch`
 * per transaction. References of parents and targets ({exe, comm}: few, and not indexed by event) are kept.
 * `deleted` runs right after each batch, before anything else can write: there the caller's EventWriter forgets
 * its cached ids (`forgetIds`).
 */
export async function pruneOrphans(
  sqlite: Database.Database,
  deleted: () => void,
  { window = 5000, pause = async () => {} } = {},
): Promise<number> {
  // Each step looks at `window` ids only, so no step holds the event loop for long however large the tables are.
  const tables = [
    {
      last: sqlite.prepare("SELECT max(id) FROM programs").pluck(),
      orphans: sqlite.prepare(`SELECT id FROM programs p WHERE id > ? AND id <= ? AND filename IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM events WHERE program_id = p.id)`),
      remove: [
        sqlite.prepare("DELETE FROM programs WHERE id = ?"),
        sqlite.prepare("DELETE FROM programs_fts WHERE rowid = ?"),
      ],
    },
    {
      last: sqlite.prepare("SELECT max(id) FROM files").pluck(),
      orphans: sqlite.prepare(`SELECT id FROM files f WHERE id > ? AND id <= ?
        AND NOT EXISTS (SELECT 1 FROM events WHERE file_id = f.id)`),
      remove: [
        sqlite.prepare("DELETE FROM files WHERE id = ?"),
        sqlite.prepare("DELETE FROM files_fts WHERE rowid = ?"),
      ],
    },
  ];
  let count = 0;
  for (const table of tables) {
    const last = (table.last.get() as number | null) ?? 0;
    for (let from = 0; from < last; from += window) {
      const ids = table.orphans.pluck().all(from, from + window) as number[];
      if (ids.length > 0) {
        sqlite
          .transaction(() => {
            for (const id of ids) for (const statement of table.remove) statement.run(id);
          })
          .immediate();
        deleted();
        count += ids.length;
      }
      await pause();
    }
  }
  return count;
}
