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
  log: Log;
  /** A line the sensor wrote on its stderr (its mode and why, load errors); by default passed on as it is. */
  sensorLine?: (line: string) => void;
};

export type EventStream = {
  host: Host;
  sensor: RunningSensor;
  kernel: KernelCounts;
  /** The mode the sensor chose and why, once it has said so. */
  sensorState: () => { mode: "lsm" | "tracepoint"; reason: string } | null;
  badFrames: () => number;
  /** This host's user names, as events carry them. */
  users: UserNames;
};

/** This host's events, decoded and enriched, from a sensor it starts: what `tail` prints and `run` ships. */
export function streamEvents(options: EventStreamOptions): EventStream {
  const { host, bootId } = hostIdentity();
  const enricher = new Enricher(host, bootId);
  const kernel = new KernelCounts();
  let state: { mode: "lsm" | "tracepoint"; reason: string } | null = null;
  let badFrames = 0;
  const sensor = startSensor({
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
  return {
    host,
    sensor,
    kernel,
    sensorState: () => state,
    badFrames: () => badFrames,
    users: enricher.users,
  };
}
