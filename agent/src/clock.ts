import type { JsonLine } from "./json-line";

const NS_PER_S = 1_000_000_000;

/**
 * Seconds and nanoseconds of a u64 nanosecond count given as its two 32-bit halves, exactly and without BigInt
 * (one BigInt per event was a measurable share of the agent's garbage). Long division in 16-bit steps keeps every
 * intermediate below 2^53.
 */
export function splitNs(high: number, low: number): [seconds: number, nanos: number] {
  const highRest = high % NS_PER_S;
  const upper = highRest * 0x10000 + (low >>> 16);
  const lower = (upper % NS_PER_S) * 0x10000 + (low & 0xffff);
  const seconds =
    ((high - highRest) / NS_PER_S) * 2 ** 32 +
    Math.floor(upper / NS_PER_S) * 0x10000 +
    Math.floor(lower / NS_PER_S);
  return [seconds, lower % NS_PER_S];
}

/** Turns kernel boot-clock times into RFC 3339 wall-clock times with nanoseconds. */
export class WallClock {
  private offsetSeconds = 0;
  private offsetNanos = 0;
  private cachedSecond = -1;
  private cachedPrefix = "";

  /** The realtime - boottime offset the sensor measured, in nanoseconds. */
  setOffset(offsetNs: bigint): void {
    const seconds = offsetNs / 1_000_000_000n;
    let nanos = Number(offsetNs - seconds * 1_000_000_000n);
    let whole = Number(seconds);
    if (nanos < 0) {
      nanos += NS_PER_S;
      whole -= 1;
    }
    this.offsetSeconds = whole;
    this.offsetNanos = nanos;
  }

  /** Writes the quoted time of a kernel timestamp (boot-clock ns as two 32-bit halves). */
  write(line: JsonLine, ktimeHigh: number, ktimeLow: number): void {
    const [bootSeconds, bootNanos] = splitNs(ktimeHigh, ktimeLow);
    let seconds = bootSeconds + this.offsetSeconds;
    let nanos = bootNanos + this.offsetNanos;
    if (nanos >= NS_PER_S) {
      nanos -= NS_PER_S;
      seconds += 1;
    }
    if (seconds !== this.cachedSecond) {
      this.cachedSecond = seconds; // events come in time order: most share the previous event's second
      this.cachedPrefix = new Date(seconds * 1000).toISOString().slice(0, 19);
    }
    line.raw('"').raw(this.cachedPrefix).raw(".").padded(nanos, 9).raw('Z"');
  }
}
