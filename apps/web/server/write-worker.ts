// The thread that stores what agents send, for write-thread.ts: its own connection, so that the main thread keeps
// answering requests and the console while a group of writes commits.
import { join } from "node:path";
import { parentPort } from "node:worker_threads";
import { openStore } from "@vigil/db";
import { env } from "../src/env";
import { startWriting } from "../src/server/writing";
import { answerRequests, type ThreadReply } from "./threads";
import type { WriteRequest } from "./write-thread";

/** Nothing else waits on this thread: a group of writes may run longer, and fewer commits rewrite the same pages. */
const GROUP_MS = 200;

const writer = startWriting(
  openStore(join(env.VIGIL_DATA_DIR, "vigil.db"), env.VIGIL_MIGRATIONS_DIR),
  GROUP_MS,
);

answerRequests(async ({ events, heartbeat }: WriteRequest) => {
  const result = await (events
    ? writer.writeEvents(events.agent, events.batch)
    : writer.recordHeartbeat(heartbeat.agent, heartbeat.beat));
  return { value: { result, stored: writer.storedEvents() } };
});
// Counted once now, between writes, rather than when /metrics first asks.
setImmediate(() =>
  parentPort?.postMessage({ value: { stored: writer.storedEvents() } } satisfies ThreadReply),
);
