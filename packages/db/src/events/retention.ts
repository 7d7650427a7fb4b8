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
