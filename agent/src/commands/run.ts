import { release } from "node:os";
import { join } from "node:path";
import { jsonLog } from "../log";
import { agentFamilies } from "../metrics/families";
import { serveMetrics } from "../metrics/server";
import { AppliedPolicies, type Kernel } from "../policy/applied-policies";
import { followPolicies } from "../policy/policy-follower";
import { sensorBlocker } from "../preflight";
import { streamEvents } from "../sensor/event-stream";
import { agentVersion, credentialFor, EnrollmentError, osName, rotateCredential } from "../ship/enrollment";
import { ServerClient } from "../ship/server-client";
import { serverUrls } from "../ship/server-url";
import { Shipper } from "../ship/shipper";
import { Spool } from "../ship/spool";

export type RunOptions = {
  server: string;
  /** PEM certificates of the authorities that sign the server's certificate (from --ca-file) */
  ca?: string;
  enrollToken?: string;
  dataDir: string;
  mode: "auto" | "lsm" | "tracepoint";
  ringbufMb?: number;
  spoolMaxMb: number;
  heartbeatS: number;
  /** serve Prometheus metrics on 127.0.0.1 at this port */
  metricsPort?: number;
};

const FLUSH_EVENTS = 2000;
const FLUSH_MS = 200;
const SENSOR_ANSWER_MS = 10_000;
/** Files named by policy patterns come and go: they are looked up again this often. */
const POLICY_REFRESH_MS = 60_000;

/** `vigil-agent run`: this host's events into the local spool, and from there to the server. */
export async function run(options: RunOptions): Promise<number> {
  const log = jsonLog();
  const blocker = sensorBlocker();
  if (blocker) {
    log.error(blocker.replace(/^vigil-agent: /, ""));
    return 2;
  }
  let stopping = false;
  let refused = false;
  const client = new ServerClient(serverUrls(options.server), null, options.ca);

  const spool = new Spool(join(options.dataDir, "spool.db"), options.spoolMaxMb * 1024 * 1024);
  const shipper = new Shipper(spool, client, log);
  const events: Record<string, number> = {};
  let pending: string[] = [];
  let flushTimer: NodeJS.Timeout | undefined;

  const flush = () => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    const dropped = spool.append(pending);
    pending = [];
    if (dropped > 0) {
      log.warn(`spool full (${options.spoolMaxMb} MB): dropped the ${dropped} oldest events`, { dropped });
    }
    shipper.poke();
  };

  const answers = new Map<number, (refused: string | null) => void>();
  const { host, sensor, kernel, sensorState, sensorGaps, users, badFrames } = streamEvents({
    mode: options.mode,
    ringbufMb: options.ringbufMb,
    onEvent: (type, line, decision) => {
      events[type] = (events[type] ?? 0) + 1;
      pending.push(policies.judge(type, line, decision).toString("utf8"));
      if (pending.length >= FLUSH_EVENTS) flush();
      else flushTimer ??= setTimeout(flush, FLUSH_MS);
    },
    onPolicyAck: (ack) => {
      answers.get(ack.generation)?.(ack.error ? ack.message || `error ${ack.error}` : null);
      if (ack.error && ack.generation === 0) log.error(`the sensor refused a policy command: ${ack.message}`);
    },
    onSensorRestarted: () => void policies.sensorRestarted(),
    log,
    sensorLine: (line) => log.info(line, { from: "vigil-sensor" }),
  });
  const metrics = options.metricsPort
    ? serveMetrics(
        options.metricsPort,
        () => agentFamilies({ events, kernel, badFrames, sensorGaps, spool, shipper }),
        log,
      )
    : undefined;
  const lsm: Kernel = {
    available: () => sensorState()?.mode === "lsm",
    apply: (lines, generation) =>
      new Promise((resolve) => {
        const answered = (refused: string | null) => {
          clearTimeout(timer);
          answers.delete(generation);
          resolve(refused);
        };
        const timer = setTimeout(answered, SENSOR_ANSWER_MS, `no answer within ${SENSOR_ANSWER_MS / 1000} s`);
        answers.set(generation, answered);
        if (!sensor.send(lines)) answered("the sensor has stopped");
      }),
  };
  const policies = new AppliedPolicies(lsm, { name: host.name, uidsOf: (pattern) => users.uidsOf(pattern) });

  let rotating = false;
  const heartbeat = async () => {
    const spooled = spool.stats();
    const drops: Record<string, number> = { spool: spooled.dropped, rejected: shipper.stats.rejected };
    for (const [kind, n] of Object.entries(kernel.dropped)) drops[kind] = Number(n);
    const beat = {
      name: host.name,
      os: osName(),
      kernel: release(),
      agentVersion,
      sensor: sensorState(),
      capabilities: sensorState()?.mode === "lsm" ? ["observe", "enforce"] : ["observe"],
      events,
      drops,
      sensorGaps: sensorGaps(),
      clockMs: Date.now(),
      spool: spooled,
      policyVersion: null,
      policies: {
        hash: policies.hash,
        applied: policies.applied,
        error: policies.error,
        enforcing: policies.enforcing,
      },
    };
    try {
      const answer = await client.post("/api/agent/v1/heartbeat", JSON.stringify(beat), {
        timeoutMs: 10_000,
        idempotent: true,
      });
      if (answer.status !== 200) {
        log.warn(`heartbeat refused (${answer.status}): ${answer.body.error}`, { status: answer.status });
      } else if (answer.body.rotateCredential === true && !rotating) {
        rotating = true;
        await rotateCredential({ ...options, client, log }).finally(() => {
          rotating = false;
        });
      }
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
  let refreshes: NodeJS.Timeout | undefined;
  let shipping: Promise<unknown> = Promise.resolve();
  credentialFor({ ...options, host, client, log, stopped: () => stopping }).then(
    (credential) => {
      if (!credential || stopping) return;
      client.setCredential(credential);
      heartbeats = setInterval(heartbeat, options.heartbeatS * 1000);
      setTimeout(heartbeat, 1000);
      shipping = shipper.run();
      void followPolicies(client, policies, log, () => stopping);
      refreshes = setInterval(() => void policies.refresh(), POLICY_REFRESH_MS);
    },
    (error) => {
      log.error(
        error instanceof EnrollmentError ? error.message : `enrollment failed: ${(error as Error).stack}`,
      );
      refused = true;
      stop();
    },
  );

  const code = await sensor.done;
  stopping = true;
  clearInterval(heartbeats);
  clearInterval(refreshes);
  flush();
  shipper.stop();
  // A batch in flight may be answered after we stop waiting: it stays spooled and its retry is a duplicate.
  const finished = await Promise.race([
    shipping.then(() => true),
    new Promise((r) => setTimeout(r, 3000, false)),
  ]);
  const metricsServer = await metrics;
  metricsServer?.close();
  metricsServer?.closeAllConnections();
  if (finished) spool.close();
  log.info("stopped", { events, shipped: shipper.stats.shipped, spool: spool.stats() });
  return refused ? 2 : code;
}
