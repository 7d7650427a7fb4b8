import type { KernelRecord } from "../decode/records";

/** The kernel's record kinds, in the order of the per-kind counters of a stats record. */
const kindNames = ["none", "exec", "fork", "exit", "unlink", "ptrace", "mem_write", "reserved"];

type Counts = Record<string, bigint>;

/**
 * What the kernel emitted and dropped, by kind, from the sensor's stats records (running totals of one sensor;
 * summed over the sensors the agent has started). `update` returns how many records were newly dropped since the
 * last one, so callers can say so at once.
 */
export class KernelCounts {
  readonly emitted: Counts = {};
  readonly dropped: Counts = {};
  /** The totals of the sensors before the current one. */
  private readonly emittedBefore: Counts = {};
  private readonly droppedBefore: Counts = {};
  private droppedSoFar = 0n;

  update(record: Extract<KernelRecord, { kind: "stats" }>): bigint {
    add(this.emitted, this.emittedBefore, record.emitted);
    add(this.dropped, this.droppedBefore, record.dropped);
    const dropped = record.dropped.reduce((sum, n) => sum + n, 0n);
    const fresh = dropped - this.droppedSoFar;
    this.droppedSoFar = dropped;
    return fresh;
  }

  /** A new sensor counts from zero again. */
  sensorRestarted(): void {
    Object.assign(this.emittedBefore, this.emitted);
    Object.assign(this.droppedBefore, this.dropped);
    this.droppedSoFar = 0n;
  }
}

function add(into: Counts, before: Counts, running: bigint[]): void {
  running.forEach((n, i) => {
    const kind = kindNames[i] ?? String(i);
    const total = (before[kind] ?? 0n) + n;
    if (total > 0n) into[kind] = total;
  });
}

export const droppedWarning = (fresh: bigint) =>
  `the kernel dropped ${fresh} records (ring buffer full); raise --ringbuf-mb`;
