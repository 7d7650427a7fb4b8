import type { Store } from "@vigil/db";

/**
 * The last number each agent's spool stream had stored: a batch whose numbers are at or below it was sent again,
 * and those of its events are skipped.
 */
export function streamNumbers(store: Store) {
  const last = store.sqlite
    .prepare<[string, string], number>("SELECT last_seq FROM event_streams WHERE agent_id = ? AND stream = ?")
    .pluck();
  const set = store.sqlite.prepare(
    `INSERT INTO event_streams (agent_id, stream, last_seq) VALUES (?, ?, ?)
     ON CONFLICT (agent_id, stream) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)`,
  );
  return {
    /** How many of a batch's `size` events, numbered from `firstSeq`, the stream has stored already. */
    duplicates: (agentId: string, stream: string, firstSeq: number, size: number) =>
      Math.min(size, Math.max(0, (last.get(agentId, stream) ?? 0) - firstSeq + 1)),
    /** Records that the stream stored a batch of `size` events numbered from `firstSeq`. */
    stored(agentId: string, stream: string, firstSeq: number, size: number): void {
      if (size > 0) set.run(agentId, stream, firstSeq + size - 1);
    },
  };
}
