import { release } from "node:os";
import { join } from "node:path";
import type { KernelRecord } from "../decode/records";
import { Enricher } from "../enrich";
import { hostIdentity } from "../host";
import { sensorBlocker } from "../preflight";
import { startSensor } from "../sensor/sensor";
import { agentVersion, credentialFor, EnrollmentError, osName } from "../ship/enrollment";
import { ServerClient } from "../ship/server-client";
import { Shipper } from "../ship/shipper";
import { Spool } from "../ship/spool";

export type RunOptions = {
  server: string;
  enrollToken?: string;
  dataDir: string;
  mode: "auto" | "lsm" | "tracepoint";
  ringbufMb?: number;
  spoolMaxMb: number;
  heartbeatS: number;
};

const kindNames = ["none", "exec", "fork", "exit", "unlink_running", "ptrace", "mem_write", "reserved"];
const FLUSH_EVENTS = 2000;
const FLUSH_MS = 200;

const log = (line: string) => process.stderr.write(`vigil-agent: ${line}\n`);

/** `vigil-agent run`: this host's events into the local spool, and from there to the server. */
export async function run(options: RunOptions): Promise<number> {
  const blocker = sensorBlocker();
  if (blocker) {
    process.stderr.write(`${blocker}\n`);
    return 2;
  }
  let stopping = false;
  let refused = false;
  const { host, bootId } = hostIdentity();
  const client = new ServerClient(options.server);

  const spool = new Spool(join(options.dataDir, "spool.db"), options.spoolMaxMb * 1024 * 1024);
  const shipper = new Shipper(spool, client, log);
  const enricher = new Enricher(host, bootId);
  const counts = { events: {} as Record<string, number>, drops: {} as Record<string, number>, badFrames: 0 };
  let sensorState: { mode: "lsm" | "tracepoint"; reason: string } | null = null;
  let pending: string[] = [];
  let flushTimer: NodeJS.Timeout | undefined;

  const flush = () => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    const dropped = spool.append(pending);
    pending = [];
    if (dropped > 0) log(`spool full (${options.spoolMaxMb} MB): dropped the ${dropped} oldest events`);
    shipper.poke();
  };
  const onStats = (record: Extract<KernelRecord, { kind: "stats" }>) => {
    record.dropped.forEach((n, i) => {
      if (n > 0n) counts.drops[kindNames[i] ?? String(i)] = Number(n);
    });
  };

  const sensor = startSensor({
    mode: options.mode,
    ringbufMb: options.ringbufMb,
    onRecord: (record) => {
      if (record.kind === "stats") onStats(record);
      if (record.kind === "hello") {
        sensorState = { mode: record.mode, reason: record.reason };
        enricher.table.seedFromProc();
      }
      const line = enricher.write(record);
      if (line === null) return;
      const type = record.kind === "unlink" ? "unlink_running" : record.kind;
      counts.events[type] = (counts.events[type] ?? 0) + 1;
      pending.push(line.toString("utf8"));
      if (pending.length >= FLUSH_EVENTS) flush();
      else flushTimer ??= setTimeout(flush, FLUSH_MS);
    },
    onBadFrame: (error) => {
      counts.badFrames += 1;
      log(`skipped a bad record: ${error}`);
    },
    onLog: (line) => process.stderr.write(`${line}\n`),
  });

  const heartbeat = async () => {
    const beat = {
      name: host.name,
      os: osName(),
      kernel: release(),
      agentVersion,
      sensor: sensorState,
      capabilities: sensorState?.mode === "lsm" ? ["observe", "enforce"] : ["observe"],
      events: counts.events,
      drops: { ...counts.drops, spool: spool.stats().dropped, rejected: shipper.stats.rejected },
      spool: spool.stats(),
      policyVersion: null,
    };
    try {
      const answer = await client.post("/api/agent/v1/heartbeat", JSON.stringify(beat), {
        timeoutMs: 10_000,
        idempotent: true,
      });
      if (answer.status !== 200) log(`heartbeat refused (${answer.status}): ${answer.body.error}`);
    } catch {
      // the shipper reports an unreachable server
    }
  };
  const stop = () => {
    stopping = true;
    sensor.stop();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // Events are spooled from the start; they ship once the agent is enrolled (the server may come up later).
  let heartbeats: NodeJS.Timeout | undefined;
  let shipping: Promise<unknown> = Promise.resolve();
  credentialFor({ ...options, host, client, log, stopped: () => stopping }).then(
    (credential) => {
      if (!credential || stopping) return;
      client.setCredential(credential);
      heartbeats = setInterval(heartbeat, options.heartbeatS * 1000);
      setTimeout(heartbeat, 1000);
      shipping = shipper.run();
    },
    (error) => {
      log(error instanceof EnrollmentError ? error.message : `enrollment failed: ${(error as Error).stack}`);
      refused = true;
      stop();
    },
  );

  const code = await sensor.done;
  stopping = true;
  clearInterval(heartbeats);
  flush();
  shipper.stop();
  // A batch in flight may be answered after we stop waiting: it stays spooled and its retry is a duplicate.
  const finished = await Promise.race([
    shipping.then(() => true),
    new Promise((r) => setTimeout(r, 3000, false)),
  ]);
  if (finished) spool.close();
  log(
    `stopped: ${JSON.stringify({ events: counts.events, shipped: shipper.stats.shipped, spool: spool.stats() })}`,
  );
  return refused ? 2 : code;
}
