import { z } from "zod";

const rfc3339Nanos =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)\.\d{9}(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** The last second a signed 64-bit count of nanoseconds since 1970 reaches: 2262-04-11T23:47:16.854775807Z. */
const LATEST_S = 9_223_372_036;
const LATEST_NANOS = 854_775_807;
/** The last time's whole seconds (its text without the fraction) and their UTC value: a batch shares seconds. */
let lastKey = "";
let lastSeconds = 0;

/**
 * A real calendar day, and an instant the store can count in signed 64-bit nanoseconds from 1970: "04-31" is no
 * day, and a later time would wrap around. (A malformed time is the regex's to report.)
 */
function storableTime(time: string): boolean {
  const key = `${time.slice(0, 19)}${time.slice(29)}`;
  if (key !== lastKey) {
    lastKey = key;
    lastSeconds = rfc3339Nanos.test(time) ? utcSeconds(time) : 0;
  }
  if (lastSeconds < LATEST_S) return lastSeconds >= 0;
  return lastSeconds === LATEST_S && Number(time.slice(20, 29)) <= LATEST_NANOS;
}

/** Seconds since 1970 of a well-formed time; NaN for a day its month does not have. */
function utcSeconds(time: string): number {
  const [year, month, day, hour, minute, second] = [0, 5, 8, 11, 14, 17].map((at, i) =>
    Number(time.slice(at, at + (i === 0 ? 4 : 2))),
  ) as [number, number, number, number, number, number];
  // Date.UTC reads years 0-99 as 1900-1999: before 1970 either way.
  if (year < 100 || new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return Number.NaN;
  const zone = time.slice(29);
  const offset = zone === "Z" ? 0 : Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60;
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000 - (zone[0] === "-" ? -offset : offset);
}

export const timeSchema = z
  .string()
  .regex(rfc3339Nanos, "expected RFC 3339 time with nanoseconds, e.g. 2026-11-28T22:09:18.123456789Z")
  .refine(
    storableTime,
    "expected a real date from 1970-01-01 to 2262-04-11 (nanoseconds since 1970 in 64 bits)",
  );

const wellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * Where in a parsed JSON value a string holds half of a UTF-16 surrogate pair (JSON can escape one, "\\ud800"),
 * which no UTF-8 text can hold: stored, it would come back altered. Null when every string is whole.
 */
export function loneSurrogateAt(value: unknown, path = ""): string | null {
  if (typeof value === "string") return wellFormed(value) ? null : path;
  if (typeof value !== "object" || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = loneSurrogateAt(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  for (const [key, member] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    const found = wellFormed(key) ? loneSurrogateAt(member, at) : at;
    if (found !== null) return found;
  }
  return null;
}

export const u32Schema = z.int().min(0).max(0xffff_ffff);

const u64Max = (2n ** 64n - 1n).toString();

// u64 values travel as decimal strings because JSON numbers lose precision above 2^53. Without leading zeros, a
// decimal of as many digits as the largest compares as text as it does as a number.
export const u64StringSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,19})$/, "expected an unsigned 64-bit integer as a decimal string")
  .refine((value) => value.length < u64Max.length || value <= u64Max, "exceeds the unsigned 64-bit range");

export const errnoSchema = z.string().regex(/^E[A-Z0-9]+$/, "expected an errno name such as EPERM");
