const NS_PER_SECOND = 1_000_000_000n;

// Events arrive in runs within one second: the parsed second of the last one is reused.
let lastSecond = "";
let lastSecondNs = 0n;

/** RFC 3339 with nanoseconds (as packages/events validates it) -> nanoseconds since the epoch. */
export function timeToNs(time: string): bigint {
  const fraction = BigInt(time.slice(20, 29));
  const zone = time.slice(29);
  const second = time.slice(0, 19) + zone;
  if (second === lastSecond) return lastSecondNs + fraction;
  lastSecondNs = secondToNs(time.slice(0, 19), zone);
  lastSecond = second;
  return lastSecondNs + fraction;
}

function secondToNs(wholeSecondsText: string, zone: string): bigint {
  let wholeSeconds = wholeSecondsText;
  let leap = 0n;
  if (wholeSeconds.endsWith(":60")) {
    wholeSeconds = `${wholeSeconds.slice(0, 17)}59`; // Date cannot parse a leap second; it is the next second
    leap = 1n;
  }
  const ms = Date.parse(`${wholeSeconds}${zone}`);
  if (Number.isNaN(ms)) throw new RangeError(`not an RFC 3339 time: ${wholeSecondsText}${zone}`);
  return (BigInt(ms / 1000) + leap) * NS_PER_SECOND;
}

/** Nanoseconds since the epoch -> RFC 3339 in UTC with nine fraction digits. */
export function nsToTime(ns: bigint): string {
  const fraction = ((ns % NS_PER_SECOND) + NS_PER_SECOND) % NS_PER_SECOND; // before 1970 too: never negative
  const seconds = (ns - fraction) / NS_PER_SECOND;
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction.toString().padStart(9, "0")}Z`;
}
