import { z } from "zod";

const rfc3339Nanos =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)\.\d{9}(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

export const timeSchema = z
  .string()
  .regex(rfc3339Nanos, "expected RFC 3339 time with nanoseconds, e.g. 2026-11-28T22:09:18.123456789Z");

export const u32Schema = z.int().min(0).max(0xffff_ffff);

const u64Max = (2n ** 64n - 1n).toString();

// u64 values travel as decimal strings because JSON numbers lose precision above 2^53. Without leading zeros, a
// decimal of as many digits as the largest compares as text as it does as a number.
export const u64StringSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,19})$/, "expected an unsigned 64-bit integer as a decimal string")
  .refine((value) => value.length < u64Max.length || value <= u64Max, "exceeds the unsigned 64-bit range");

export const errnoSchema = z.string().regex(/^E[A-Z0-9]+$/, "expected an errno name such as EPERM");
