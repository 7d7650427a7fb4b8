import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  authenticateAgent,
  createEnrollToken,
  type DomainError,
  enrollAgent,
  type Heartbeat,
} from "@vigil/api";
import { openStore, type Store } from "@vigil/db";
import { eventTypes } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeBody } from "../src/server/batch-decoder";
import { WriteThread } from "./write-thread";

const machineId = (validEvent("exec").host as { id: string }).id;
const batch = (firstSeq: number, events: unknown[]) =>
  decodeBody(gzipSync(JSON.stringify({ stream: "s1", firstSeq, events })), "gzip", machineId);
const events = (prefix: string) =>
  eventTypes.map((type, i) => ({ ...validEvent(type), id: `${prefix}-${i}` }));
const beat: Heartbeat = {
  name: "web-1",
  os: "Debian 12",
  kernel: "6.18.0",
  agentVersion: "0.1.0",
  sensor: { mode: "tracepoint", reason: "no BPF LSM" },
  capabilities: [],
  events: {},
  drops: {},
  spool: { depth: 3, bytes: 300, dropped: 0 },
  policyVersion: null,
};

let dir: string;
let store: Store;
let writer: WriteThread | undefined;
const value = (sql: string) => store.sqlite.prepare(sql).pluck().get();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vigil-write-thread-"));
  process.env.VIGIL_DATA_DIR = dir; // the thread opens the same database
  store = openStore(join(dir, "vigil.db"));
});
afterEach(async () => {
  await writer?.close();
  writer = undefined;
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function agent() {
  const { token } = createEnrollToken(store, {});
  const { credential } = enrollAgent(store, { token, host: { machineId, name: "web-1" } });
  return authenticateAgent(store, credential);
}

describe("WriteThread", () => {
  it("stores batches and heartbeats on its own connection, a resent batch once", async () => {
    writer = new WriteThread(store);
    const sender = agent();
    expect(await writer.writeEvents(sender, batch(1, events("a")))).toEqual({
      accepted: eventTypes.length,
      duplicates: 0,
      rejected: [],
    });
    expect(await writer.writeEvents(sender, batch(1, events("a")))).toMatchObject({
      accepted: 0,
      duplicates: eventTypes.length,
    });
    await writer.recordHeartbeat(sender, beat);
    expect(value("SELECT count(*) FROM events")).toBe(eventTypes.length);
    expect(value("SELECT agent_version FROM hosts")).toBe("0.1.0");
    expect(writer.storedEvents()).toBe(eventTypes.length);
  });

  it("answers what a thread that died held 'retry later', and the next thread stores what follows", async () => {
    writer = new WriteThread(store);
    const sender = agent();
    await writer.recordHeartbeat(sender, beat); // the thread is up
    const { worker } = (writer as unknown as { thread: { worker: { terminate(): Promise<number> } } }).thread;
    const held = writer.writeEvents(sender, batch(1, events("b")));
    await worker.terminate();
    const refusal = await held.then(
      () => null,
      (error: DomainError) => error,
    );
    expect(refusal).toMatchObject({ status: 503, message: expect.stringContaining("retry later") });
    await expect
      .poll(() => (writer as unknown as { thread: { running: boolean } }).thread.running)
      .toBe(true);
    // Resent as an agent would: stored once, whether or not the first thread had committed it.
    const resent = await writer.writeEvents(sender, batch(1, events("b")));
    expect(resent.accepted + resent.duplicates).toBe(eventTypes.length);
    expect(value("SELECT count(*) FROM events")).toBe(eventTypes.length);
  });
});
