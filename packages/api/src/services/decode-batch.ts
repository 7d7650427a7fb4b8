// Checking an agent's batch needs no database: it runs on any thread (the server decodes on worker threads).
import { buildRows, type EventRows } from "@vigil/db";
import { describeIssues, parseEvent, type VigilEvent } from "@vigil/events";
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
/** A batch checked and turned into row values, by any thread: what `Ingest.write` stores. */
export type DecodedBatch = {
  stream: string;
  firstSeq: number;
  /** how many events the batch had, valid or not */
  size: number;
  rows: EventRows;
  rejected: Rejected[];
};

/**
 * Checks a batch (parsed JSON) from the agent of host `machineId`: each invalid event, or one that names another
 * host, is refused with its index and reason; the valid ones become rows.
 */
export function decodeBatch(body: unknown, machineId: string): DecodedBatch {
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
    if (!parsed.ok) {
      rejected.push({ index, reason: parsed.error });
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
  return { stream, firstSeq, size: events.length, rows: buildRows(valid, indexes), rejected };
}
