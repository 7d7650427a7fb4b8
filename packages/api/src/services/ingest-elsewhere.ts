import { type EventStore, isNotable, type Store } from "@vigil/db";
import { AlertRecorder } from "./alerts";
import type { AuthenticatedAgent } from "./authenticate";
import type { CheckedBatch } from "./decode-batch";
import type { IngestResult } from "./ingest";
import { streamNumbers } from "./stream-numbers";

/**
 * Stores agents' batches in an event store outside the server's database (ClickHouse), as `Ingest` does in it:
 * numbers at or below what a stream already stored are retries and are skipped; the events go to the event store,
 * then their alerts and the stream's new number to the database in one transaction. If the server stops between
 * the two, the agent sends the batch again and the event store keeps each event once (see its `append`).
 */
export class IngestElsewhere {
  private readonly alerts: AlertRecorder;
  private readonly streams: ReturnType<typeof streamNumbers>;

  constructor(
    private readonly store: Store,
    private readonly events: EventStore,
  ) {
    this.alerts = new AlertRecorder(store.sqlite);
    this.streams = streamNumbers(store);
  }

  async write(agent: AuthenticatedAgent, batch: CheckedBatch, nowMs = Date.now()): Promise<IngestResult> {
    const { stream, firstSeq, size } = batch;
    const duplicates = this.streams.duplicates(agent.agentId, stream, firstSeq, size);
    const from = batch.indexes.findIndex((index) => index >= duplicates);
    const events = from === -1 ? [] : batch.events.slice(from);
    const refs = await this.events.append(events, nowMs, from === -1 ? undefined : batch.lines?.slice(from));
    this.store.sqlite.transaction(() => {
      events.forEach((event, i) => {
        if (isNotable(event)) this.alerts.record(agent.hostId, refs[i]?.seq ?? 0n, event, nowMs);
      });
      this.streams.stored(agent.agentId, stream, firstSeq, size);
    })();
    return {
      accepted: events.length,
      duplicates,
      rejected: batch.rejected.filter((r) => r.index >= duplicates),
    };
  }
}
