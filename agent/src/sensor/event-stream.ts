import type { EventType, Host } from "@vigil/events";
import type { KernelDecision, PolicyAckRecord } from "../decode/records";
import { Enricher } from "../enrich";
import { hostIdentity } from "../host";
import type { Log } from "../log";
import type { UserNames } from "../users";
import { droppedWarning, KernelCounts } from "./kernel-counts";
import { type RunningSensor, startSensor } from "./sensor";

export type EventStreamOptions = {
  mode: "auto" | "lsm" | "tracepoint";
  ringbufMb?: number;
  /** An event's JSON as UTF-8 bytes, valid until the next call, and what the kernel's policy decided about it. */
  onEvent: (type: EventType, line: Buffer, decision: KernelDecision) => void;
  /** The sensor's answer to a policy generation. */
  onPolicyAck?: (ack: PolicyAckRecord) => void;
  /**
   * Start a sensor that stopped after it had started (a crash, a kill) again, and call this once the new one runs.
   * Without it, the stream ends with the sensor.
   */
  onSensorRestarted?: () => void;
  log: Log;
  /** A line the sensor wrote on its stderr (its mode and why, load errors); by default passed on as it is. */
  sensorLine?: (line: string) => void;
};

/** A time the sensor was not running, so this host's events were not observed; `endMs` null while it lasts. */
export type SensorGap = { startMs: number; endMs: number | null; reason: string };

export type EventStream = {
  host: Host;
  sensor: Omit<RunningSensor, "child">;
  kernel: KernelCounts;
  /** The mode the sensor chose and why, once it has said so. */
  sensorState: () => { mode: "lsm" | "tracepoint"; reason: string } | null;
  /** How often the sensor stopped and was started again, and the last such gap. */
  sensorGaps: () => { count: number; last: SensorGap | null };
  badFrames: () => number;
  /** This host's user names, as events carry them. */
  users: UserNames;
};

const FIRST_RESTART_MS = 1000;
const LONGEST_RESTART_MS = 30_000;
/** A sensor that stops sooner than this after it started is started again less and less often. */
const CRASH_LOOP_MS = 10_000;

/** This host's events, decoded and enriched, from a sensor it starts: what `tail` prints and `run` ships. */
export function streamEvents(options: EventStreamOptions): EventStream {
  const { host, bootId } = hostIdentity();
  const enricher = new Enricher(host, bootId);
  const kernel = new KernelCounts();
  let state: { mode: "lsm" | "tracepoint"; reason: string } | null = null;
  let badFrames = 0;
  const gaps = { count: 0, last: null as SensorGap | null };
  let startedMs: number | null = null;
  let restartMs = FIRST_RESTART_MS / 2;
  let restartTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  const launch = () =>
    startSensor({
      mode: options.mode,
      ringbufMb: options.ringbufMb,
      onRecord: (record) => {
        if (record.kind === "stats") {
          const fresh = kernel.update(record);
          if (fresh > 0n) options.log.warn(droppedWarning(fresh), { dropped: Number(fresh) });
        }
        if (record.kind === "hello") {
          state = { mode: record.mode, reason: record.reason };
          enricher.table.seedFromProc();
          startedMs = Date.now();
          if (gaps.last && gaps.last.endMs === null) {
            gaps.last.endMs = startedMs;
            options.log.warn(
              `the sensor runs again: events were not observed for ${startedMs - gaps.last.startMs} ms`,
              {
                gap: gaps.last,
              },
            );
            options.onSensorRestarted?.();
          }
        }
        if (record.kind === "policy") options.onPolicyAck?.(record);
        const line = enricher.write(record);
        if (line === null) return;
        const type = (record.kind === "unlink" ? "unlink_running" : record.kind) as EventType;
        options.onEvent(type, line, "decision" in record ? record.decision : null);
      },
      onBadFrame: (error) => {
        badFrames += 1;
        options.log.warn(`skipped a bad record: ${error}`);
      },
      onLog: options.sensorLine ?? ((line) => process.stderr.write(`${line}\n`)),
    });

  let current = launch();
  let lastCode = 0;
  let finish: (code: number) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const done = new Promise<number>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const watch = (sensor: RunningSensor) =>
    sensor.done.then((code) => {
      lastCode = code;
      // A first sensor that never started (no BTF, not root) has said why: starting it again would not help.
      const neverStarted = startedMs === null && gaps.count === 0;
      if (stopping || !options.onSensorRestarted || neverStarted) return finish(code);
      const nowMs = Date.now();
      const { signalCode, exitCode } = sensor.child;
      const reason = signalCode ? `killed by ${signalCode}` : `exited with code ${exitCode ?? code}`;
      if (gaps.last?.endMs !== null) {
        gaps.count += 1;
        gaps.last = { startMs: nowMs, endMs: null, reason };
      }
      restartMs =
        startedMs !== null && nowMs - startedMs >= CRASH_LOOP_MS
          ? FIRST_RESTART_MS
          : Math.min(restartMs * 2, LONGEST_RESTART_MS);
      startedMs = null;
      state = null;
      kernel.sensorRestarted();
      options.log.error(`the sensor stopped (${reason}): starting it again in ${restartMs / 1000} s`, {
        reason,
      });
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        current = launch();
        watch(current);
      }, restartMs);
    }, fail);
  watch(current);
  const stop = () => {
    stopping = true;
    current.stop();
    if (restartTimer) {
      clearTimeout(restartTimer);
      finish(lastCode);
    }
  };
  return {
    host,
    sensor: { stop, send: (lines) => current.send(lines), done },
    kernel,
    sensorState: () => state,
    sensorGaps: () => gaps,
    badFrames: () => badFrames,
    users: enricher.users,
  };
}
