import type { Worker } from "node:worker_threads";
import { gzipSync } from "node:zlib";
import type { DomainError } from "@vigil/api";
import { eventTypes } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import { decodeBody, eventCount, unpack } from "../src/server/batch-decoder";
import { DecodePool } from "./decode-pool";

const machineId = (validEvent("exec").host as { id: string }).id;
const body = (events: unknown[]) =>
  gzipSync(JSON.stringify({ stream: "s1", firstSeq: 1, events: [...events, { type: "exec" }] }));

let pool: DecodePool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe("DecodePool", () => {
  it("decodes a batch on a thread exactly as on this one, refused events included", async () => {
    pool = new DecodePool(2);
    const raw = body(eventTypes.map(validEvent));
    const packed = await pool.decode(raw, "gzip", machineId);
    // This thread gets bytes for the writer's, and how many events they hold: no object of the batch's.
    expect(Object.keys(packed).sort()).toEqual(["count", "packed"]);
    expect(eventCount(packed)).toBe(eventTypes.length);
    const threaded = unpack(packed);
    const here = decodeBody(raw, "gzip", machineId);
    expect(threaded).toEqual(here);
    expect(eventCount(threaded)).toBe(eventTypes.length);
    expect(threaded.rejected).toEqual([{ index: eventTypes.length, reason: expect.stringContaining("id") }]);
  });

  it("refuses what cannot be decoded with the status and reason it would have here", async () => {
    pool = new DecodePool(1);
    const refusal = (raw: Uint8Array, encoding: string | null) =>
      pool?.decode(raw, encoding, machineId).then(
        () => null,
        (error: DomainError) => ({
          kind: error.constructor.name,
          status: error.status,
          message: error.message,
        }),
      );
    expect(await refusal(Buffer.from("{not json"), null)).toMatchObject({
      kind: "DomainError",
      status: 400,
      message: expect.stringContaining("not JSON"),
    });
    expect(await refusal(Buffer.from("{}"), "br")).toMatchObject({ status: 415 });
    expect(await refusal(Buffer.from("not gzip"), "gzip")).toMatchObject({ status: 400 });
    expect(await refusal(Buffer.from('{"stream":"s","firstSeq":0,"events":[]}'), null)).toMatchObject({
      status: 400,
      message: expect.stringContaining("firstSeq"),
    });
  });

  it("answers the batches of a thread that died 'retry later' and decodes the next ones", async () => {
    pool = new DecodePool(1);
    const raw = body([validEvent("fork")]);
    await pool.decode(raw, "gzip", machineId); // the thread is up
    const { threads } = pool as unknown as { threads: { worker: Worker }[] };
    // The thread stops before it can answer: the batch it was handed is never decoded.
    const stopped = threads[0]?.worker.terminate();
    const inFlight = pool.decode(raw, "gzip", machineId);
    await stopped;
    await expect(inFlight).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining("retry later"),
    });
    expect(eventCount(unpack(await pool.decode(raw, "gzip", machineId)))).toBe(1);
  });
});
