// The thread that stores what agents send, for write-thread.ts: its own connection, so that the main thread keeps
// answering requests and the console while a group of writes commits.
import { join } from "node:path";
import { parentPort } from "node:worker_threads";
import { openStore } from "@vigil/db";
import { env } from "../src/env";
import { toRefusal } from "../src/server/batch-decoder";
import { startWriting } from "../src/server/writing";
import type { WriteReply, WriteRequest } from "./write-thread";

/** Nothing else waits on this thread: a group of writes may run longer, and fewer commits rewrite the same pages. */
const GROUP_MS = 200;

const port = parentPort;
if (!port) throw new Error("write-worker.ts runs as a worker thread");
const writer = startWriting(
  openStore(join(env.VIGIL_DATA_DIR, "vigil.db"), env.VIGIL_MIGRATIONS_DIR),
  GROUP_MS,
);
const reply = (message: WriteReply) => port.postMessage(message);

port.on("message", ({ id, events, heartbeat }: WriteRequest) => {
  const written = events
    ? writer.writeEvents(events.agent, events.batch)
    : writer.recordHeartbeat(heartbeat.agent, heartbeat.beat);
  written.then(
    (value) => reply({ id, value, stored: writer.storedEvents() }),
    (error: Error & { code?: string }) => {
      const refusal = toRefusal(error);
      reply(refusal ? { id, refusal } : { id, failure: { message: String(error.stack), code: error.code } });
    },
  );
});
// Counted once now, between writes, rather than when /metrics first asks.
setImmediate(() => reply({ stored: writer.storedEvents() }));
