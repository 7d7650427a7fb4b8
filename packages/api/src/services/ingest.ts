import { EventWriter, Rollups, type Store } from "@vigil/db";
import { describeIssues, parseEvent, type VigilEvent } from "@vigil/events";
import { z } from "zod";
import { badRequest } from "../errors";
import { AlertRecorder } from "./alerts";
import type { AuthenticatedAgent } from "./authenticate";

export const maxBatchEvents = 10_000;

export const batchSchema = z.strictObject({
  stream: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "expected the spool's stream id (1-64 letters, digits, - or _)"),
  firstSeq: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  events: z.array(z.unknown()).max(maxBatchEvents, `at most ${maxBatchEvents} events per batch`),
});

export type Batch = z.infer<typeof batchSchema>;
export type Rejected = { index: number; reason: string };
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
  private readonly lastSeq;
  private readonly setLastSeq;
  /** How many events the store holds: counted when first asked (not on the first request), then kept. */
  private stored: number | null = null;

  constructor(private readonly store: Store) {
    this.writer = new EventWriter(store.sqlite);
    this.alerts = new AlertRecorder(store.sqlite);
    this.rollups = new Rollups(store.sqlite);
    this.lastSeq = store.sqlite
      .prepare<[string, string], number>(
        "SELECT last_seq FROM event_streams WHERE agent_id = ? AND stream = ?",
      )
      .pluck();
    this.setLastSeq = store.sqlite.prepare(
      `INSERT INTO event_streams (agent_id, stream, last_seq) VALUES (?, ?, ?)
       ON CONFLICT (agent_id, stream) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)`,
    );
  }

  get storedEvents(): number {
    this.stored ??= this.store.sqlite.prepare("SELECT count(*) FROM events").pluck().get() as number;
    return this.stored;
  }

  /** Retention deleted `count` events. */
  removed(count: number): void {
    this.stored = this.storedEvents - count;
  }

  /** Programs or files were deleted (retention): cached ids may point at nothing. */
  forgetIds(): void {
    this.writer.forgetIds();
  }

  ingest(agent: AuthenticatedAgent, body: unknown): IngestResult {
    const envelope = batchSchema.safeParse(body);
    if (!envelope.success) {
      throw badRequest(`not an event batch: ${describeIssues(envelope.error, "(batch)")}`);
    }
    const { stream, firstSeq, events } = envelope.data;
    const valid: (VigilEvent | null)[] = [];
    const rejected: Rejected[] = [];
    for (let index = 0; index < events.length; index++) {
      const parsed = parseEvent(events[index]);
      if (!parsed.ok) {
        rejected.push({ index, reason: parsed.error });
        valid.push(null);
      } else if (parsed.event.host.id !== agent.machineId) {
        rejected.push({
          index,
          reason: `host.id ${JSON.stringify(parsed.event.host.id)} is not this agent's host`,
        });
        valid.push(null);
      } else {
        valid.push(parsed.event);
      }
    }
    let duplicates = 0;
    let accepted = 0;
    const write = this.store.sqlite.transaction(() => {
      const stored = this.lastSeq.get(agent.agentId, stream) ?? 0;
      duplicates = Math.min(events.length, Math.max(0, stored - firstSeq + 1));
      for (let i = duplicates; i < valid.length; i++) {
        const event = valid[i];
        if (!event) continue;
        const seq = this.writer.insert(agent.hostId, event);
        this.alerts.record(agent.hostId, seq, event);
        this.rollups.count(agent.hostId, event);
        accepted++;
      }
      this.rollups.flush();
      if (events.length > 0) this.setLastSeq.run(agent.agentId, stream, firstSeq + events.length - 1);
    });
    try {
      write();
    } catch (error) {
      this.writer.forgetIds();
      this.rollups.discard();
      throw error;
    }
    if (this.stored !== null) this.stored += accepted;
    return { accepted, duplicates, rejected: rejected.filter((r) => r.index >= duplicates) };
  }
}
