// Checking an agent's batch needs no database: it runs on any thread (the server decodes on worker threads).
import { buildRows, type EventRows } from "@vigil/db";
import { describeIssues, loneSurrogateAt, parseEvent, type VigilEvent } from "@vigil/events";
import { z } from "zod";
import { badRequest } from "../errors";

export const maxBatchEvents = 10_000;

export const batchSchema = z.strictObject({
  stream: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "expected the spool's stream id (1-64 letters, digits, - or _)"),
  firstSeq: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  events: z.array(z.unknown()).max(maxBatchEvents, `at most ${maxBatchEvents} events per batch`),
});

export type Rejected = { index: number; reason: string };
/** A batch checked, by any thread: its valid events and where each was in the batch. */
export type CheckedBatch = {
  stream: string;
  firstSeq: number;
  /** how many events the batch had, valid or not */
  size: number;
  events: VigilEvent[];
  indexes: number[];
  rejected: Rejected[];
  /** Each event as the event store writes it, where the decoding thread made that too (see EventStore.append). */
  lines?: string[];
};

/** A batch checked and turned into row values, by any thread: what `Ingest.write` stores. */
export type DecodedBatch = Omit<CheckedBatch, "events" | "indexes" | "lines"> & { rows: EventRows };

/** Checks a batch and turns its valid events into rows (what SQLite stores): see checkBatch. */
export function decodeBatch(body: unknown, machineId: string, escapes = true): DecodedBatch {
  const { events, indexes, ...rest } = checkBatch(body, machineId, escapes);
  return { ...rest, rows: buildRows(events, indexes) };
}

/**
 * Checks a batch (parsed JSON) from the agent of host `machineId`: each invalid event, or one that names another
 * host, is refused with its index and reason. `escapes`: whether the JSON text had a \u escape (only then can a
 * string hold a lone surrogate, which is searched for; most batches have none).
 */
export function checkBatch(body: unknown, machineId: string, escapes = true): CheckedBatch {
  const envelope = batchSchema.safeParse(body);
  if (!envelope.success) {
    throw badRequest(`not an event batch: ${describeIssues(envelope.error, "(batch)")}`);
  }
  const { stream, firstSeq, events } = envelope.data;
  const valid: VigilEvent[] = [];
  const indexes: number[] = [];
  const rejected: Rejected[] = [];
  for (let index = 0; index < events.length; index++) {
    const parsed = parseEvent(events[index]);
    const broken = parsed.ok && escapes ? loneSurrogateAt(parsed.event) : null;
    if (!parsed.ok) {
      rejected.push({ index, reason: parsed.error });
    } else if (broken !== null) {
      rejected.push({
        index,
        reason: `${broken}: not valid Unicode: a lone surrogate (\\uD800-\\uDFFF) cannot be stored`,
      });
    } else if (parsed.event.host.id !== machineId) {
      rejected.push({
        index,
        reason: `host.id ${JSON.stringify(parsed.event.host.id)} is not this agent's host`,
      });
    } else {
      valid.push(parsed.event);
      indexes.push(index);
    }
  }
  return { stream, firstSeq, size: events.length, events: valid, indexes, rejected };
}
