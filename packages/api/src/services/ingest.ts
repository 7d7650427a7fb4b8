import { EventWriter, Rollups, type Store } from "@vigil/db";
import { AlertRecorder } from "./alerts";
import type { AuthenticatedAgent } from "./authenticate";
import { type DecodedBatch, decodeBatch, type Rejected } from "./decode-batch";
import { streamNumbers } from "./stream-numbers";

export type IngestResult = { accepted: number; duplicates: number; rejected: Rejected[] };

/**
 * Stores a batch from an agent's spool, whose events are numbered firstSeq, firstSeq+1, ... in their stream.
 * Numbers at or below what the stream already stored are retries and are skipped, so nothing lands twice.
 * Valid events are stored and each invalid one is refused with its index and reason: the agent counts and logs
 * those and does not resend them; one malformed event never holds back the rest of a host's telemetry.
 */
export class Ingest {
  private readonly writer: EventWriter;
  private readonly alerts: AlertRecorder;
  private readonly rollups: Rollups;
  private readonly streams: ReturnType<typeof streamNumbers>;
  /** How many events the store holds: counted when first asked (not on the first request), then kept. */
  private stored: number | null = null;

  constructor(private readonly store: Store) {
    this.writer = new EventWriter(store.sqlite);
    this.alerts = new AlertRecorder(store.sqlite);
    this.rollups = new Rollups(store.sqlite);
    this.streams = streamNumbers(store);
  }

  get storedEvents(): number {
    this.stored ??= this.store.sqlite.prepare("SELECT count(*) FROM events").pluck().get() as number;
    return this.stored;
  }

  /** Retention deleted `count` events. */
  removed(count: number): void {
    this.stored = this.storedEvents - count;
  }

  /** A transaction around `write`s was rolled back after they returned: what they stored is gone. */
  rolledBack(): void {
    this.writer.forgetIds();
    this.stored = null;
  }

  /** Programs or files were deleted (retention): cached ids may point at nothing. */
  forgetIds(): void {
    this.writer.forgetIds();
  }

  ingest(agent: AuthenticatedAgent, body: unknown): IngestResult {
    return this.write(agent, decodeBatch(body, agent.machineId));
  }

  /** Stores a decoded batch: one transaction, retried events skipped. */
  write(agent: AuthenticatedAgent, batch: DecodedBatch): IngestResult {
    try {
      return this.store.sqlite.transaction(() => this.writeIn(agent, batch)).immediate();
    } catch (error) {
      this.rolledBack();
      throw error;
    }
  }

  /**
   * Stores a decoded batch in the caller's transaction (several batches share one commit). It opens no savepoint:
   * if it throws, the caller rolls the whole transaction back and calls `rolledBack()`.
   */
  writeIn(agent: AuthenticatedAgent, batch: DecodedBatch): IngestResult {
    const { stream, firstSeq, size, rows } = batch;
    const duplicates = this.streams.duplicates(agent.agentId, stream, firstSeq, size);
    let accepted = 0;
    try {
      const seqs = this.writer.write(agent.hostId, rows, duplicates);
      for (const { row, event } of rows.notable) {
        const seq = seqs[row] as number;
        if (seq !== 0) this.alerts.record(agent.hostId, seq, event);
      }
      this.rollups.countRows(agent.hostId, rows, seqs);
      this.rollups.flush();
      for (const seq of seqs) if (seq !== 0) accepted++;
      this.streams.stored(agent.agentId, stream, firstSeq, size);
    } catch (error) {
      this.rollups.discard();
      throw error;
    }
    if (this.stored !== null) this.stored += accepted;
    return { accepted, duplicates, rejected: batch.rejected.filter((r) => r.index >= duplicates) };
  }
}
