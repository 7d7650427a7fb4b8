import { testStore } from "@vigil/db/test-store";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "../errors";
import { authenticateAgent } from "./authenticate";
import { enrollAgent } from "./enroll";
import { createEnrollToken } from "./enroll-tokens";
import { Ingest } from "./ingest";

let cleanup = () => {};
afterEach(() => cleanup());

function setup() {
  const t = testStore();
  cleanup = t.cleanup;
  const { token } = createEnrollToken(t.store, { labels: { env: "test" } });
  const enroll = (machineId: string) => enrollAgent(t.store, { token, host: { machineId, name: machineId } });
  const web1 = authenticateAgent(t.store, enroll("host-7f3a").credential);
  const ingest = new Ingest(t.store);
  const stored = () => t.store.sqlite.prepare("SELECT event_id FROM events ORDER BY seq").pluck().all();
  return { ...t, enroll, web1, ingest, stored };
}

const events = (n: number, from = 0): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => ({ ...validEvent("exit"), id: `x${from + i}` }));

describe("ingest", () => {
  it("stores a batch once however often it is retried, and the new part of an overlapping retry", () => {
    const { ingest, web1, stored } = setup();
    expect(ingest.ingest(web1, { stream: "s1", firstSeq: 1, events: events(3) })).toEqual({
      accepted: 3,
      duplicates: 0,
      rejected: [],
    });
    expect(ingest.ingest(web1, { stream: "s1", firstSeq: 1, events: events(3) })).toMatchObject({
      accepted: 0,
      duplicates: 3,
    });
    expect(ingest.ingest(web1, { stream: "s1", firstSeq: 2, events: events(4, 1) })).toMatchObject({
      accepted: 2,
      duplicates: 2,
    });
    expect(stored()).toEqual(["x0", "x1", "x2", "x3", "x4"]);
  });

  it("numbers each stream of an agent on its own", () => {
    const { ingest, web1, stored } = setup();
    ingest.ingest(web1, { stream: "old-spool", firstSeq: 1, events: events(2) });
    ingest.ingest(web1, { stream: "new-spool", firstSeq: 1, events: events(2, 2) });
    expect(stored()).toEqual(["x0", "x1", "x2", "x3"]);
  });

  it("stores the valid events of a batch and refuses each invalid one with its index and reason", () => {
    const { ingest, web1, stored } = setup();
    const batch = events(5);
    batch[1] = { ...batch[1], type: "teleport" };
    batch[3] = { ...batch[3], process: { ...(batch[3]?.process as object), pid: -1 } };
    const result = ingest.ingest(web1, { stream: "s", firstSeq: 1, events: [...batch, "not an event"] });
    expect(result.accepted).toBe(3);
    expect(result.rejected.map((r) => r.index)).toEqual([1, 3, 5]);
    expect(result.rejected[0]?.reason).toMatch(/^type: expected one of exec/);
    expect(result.rejected[1]?.reason).toMatch(/^process\.pid:/);
    expect(stored()).toEqual(["x0", "x2", "x4"]);
  });

  it("refuses events that claim another host, so one agent cannot write into another host's events", () => {
    const { ingest, enroll, store, stored } = setup();
    const intruder = authenticateAgent(store, enroll("host-other").credential);
    const result = ingest.ingest(intruder, { stream: "s", firstSeq: 1, events: events(2) });
    expect(result.accepted).toBe(0);
    expect(result.rejected[0]?.reason).toMatch(/is not this agent's host/);
    expect(stored()).toEqual([]);
  });

  it("refuses malformed batches whole with a 400 that names the problem, storing nothing", () => {
    const { ingest, web1, stored } = setup();
    for (const [body, message] of [
      [null, /not an event batch/],
      [{ stream: "s", firstSeq: 0, events: [] }, /firstSeq/],
      [{ stream: "../x", firstSeq: 1, events: [] }, /stream/],
      [{ stream: "s", firstSeq: 1, events: events(10_001) }, /at most 10000/],
      [{ stream: "s", firstSeq: 1, events: {} }, /events/],
    ] as const) {
      let error: unknown;
      try {
        ingest.ingest(web1, body);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).status).toBe(400);
      expect((error as Error).message).toMatch(message);
    }
    expect(stored()).toEqual([]);
  });
});

describe("agent credentials", () => {
  it("refuses forged, malformed and revoked credentials with 401", () => {
    const { store, enroll, web1 } = setup();
    const status = (credential: string | null) => {
      try {
        authenticateAgent(store, credential);
        return 200;
      } catch (e) {
        return (e as DomainError).status;
      }
    };
    expect(status(null)).toBe(401);
    expect(status("vga_nope")).toBe(401);
    expect(status(`vga_${web1.agentId}.${"A".repeat(43)}`)).toBe(401);
    const fresh = enroll("host-b").credential;
    expect(status(fresh)).toBe(200);
    enroll("host-b"); // a reinstall of the same machine revokes its earlier agent
    expect(status(fresh)).toBe(401);
  });
});
