import type { KernelRecord } from "../decode/records";

/** The kernel's record kinds, in the order of the per-kind counters of a stats record. */
const kindNames = ["none", "exec", "fork", "exit", "unlink", "ptrace", "mem_write", "reserved"];

/**
 * What the kernel emitted and dropped, by kind, from the sensor's stats records (running totals). `update` returns
 * how many records were newly dropped since the last one, so callers can say so at once.
 */
export class KernelCounts {
  readonly emitted: Record<string, bigint> = {};
  readonly dropped: Record<string, bigint> = {};
  private droppedSoFar = 0n;

  update(record: Extract<KernelRecord, { kind: "stats" }>): bigint {
    record.emitted.forEach((n, i) => {
      if (n > 0n) this.emitted[kindNames[i] ?? String(i)] = n;
    });
    record.dropped.forEach((n, i) => {
      if (n > 0n) this.dropped[kindNames[i] ?? String(i)] = n;
    });
    const dropped = record.dropped.reduce((sum, n) => sum + n, 0n);
    const fresh = dropped - this.droppedSoFar;
    this.droppedSoFar = dropped;
    return fresh;
  }
}

export const droppedWarning = (fresh: bigint) =>
  `the kernel dropped ${fresh} records (ring buffer full); raise --ringbuf-mb`;
