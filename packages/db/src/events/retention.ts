import type Database from "better-sqlite3";

export type Retention = { maxAgeMs: number; maxEvents: number };

export const defaultRetention: Retention = { maxAgeMs: 30 * 24 * 3600 * 1000, maxEvents: 10_000_000 };

/**
 * Deletes events older than `maxAgeMs` and, beyond `maxEvents`, the oldest ones, `batch` rows per transaction so
 * ingest waits at most one small delete. Freed pages are reused, so the file stops growing. Returns how many
 * rows went; `pause` runs between batches (the server yields to its event loop there).
 */
export async function pruneEvents(
  sqlite: Database.Database,
  retention: Retention,
  nowMs: number,
  { batch = 2000, pause = async () => {} } = {},
): Promise<number> {
  const deleteOlder = sqlite.prepare(
    "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE time_ns < ? ORDER BY time_ns LIMIT ?)",
  );
  const deleteOldest = sqlite.prepare(
    "DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY time_ns LIMIT ?)",
  );
  const count = sqlite.prepare("SELECT count(*) FROM events").pluck();
  const cutoffNs = BigInt(nowMs - retention.maxAgeMs) * 1_000_000n;
  let deleted = 0;
  for (;;) {
    const { changes } = deleteOlder.run(cutoffNs, batch);
    deleted += changes;
    if (changes < batch) break;
    await pause();
  }
  let excess = (count.get() as number) - retention.maxEvents;
  while (excess > 0) {
    const { changes } = deleteOldest.run(Math.min(batch, excess));
    deleted += changes;
    excess -= changes;
    if (changes === 0) break;
    await pause();
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
  { batch = 2000, pause = async () => {} } = {},
): Promise<number> {
  const orphans = [
    sqlite.prepare(`SELECT id FROM programs p WHERE id > ? AND filename IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM events WHERE program_id = p.id) ORDER BY id LIMIT ?`),
    sqlite.prepare(`SELECT id FROM files f WHERE id > ?
      AND NOT EXISTS (SELECT 1 FROM events WHERE file_id = f.id) ORDER BY id LIMIT ?`),
  ];
  const deletes = [
    [
      sqlite.prepare("DELETE FROM programs WHERE id = ?"),
      sqlite.prepare("DELETE FROM programs_fts WHERE rowid = ?"),
    ],
    [
      sqlite.prepare("DELETE FROM files WHERE id = ?"),
      sqlite.prepare("DELETE FROM files_fts WHERE rowid = ?"),
    ],
  ] as const;
  let count = 0;
  for (const [i, select] of orphans.entries()) {
    for (let after = 0; ; ) {
      const ids = select.pluck().all(after, batch) as number[];
      if (ids.length === 0) break;
      sqlite.transaction(() => {
        for (const id of ids) for (const statement of deletes[i] ?? []) statement.run(id);
      })();
      deleted();
      count += ids.length;
      after = ids.at(-1) as number;
      await pause();
    }
  }
  return count;
}
