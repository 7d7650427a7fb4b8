/**
 * Values written into ClickHouse SQL. The server this must run on (18.16) has no query parameters, so every value
 * from outside (an analyst's filter, a host's strings) goes through these, and nowhere else.
 */

/** A string literal: backslash and quote escaped, every other byte as it is (ClickHouse strings are bytes). */
export const str = (value: string) => `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

/** An integer literal, refused unless it is one (a number or bigint within 64 bits). */
export function int(value: number | bigint): string {
  const big = typeof value === "bigint" ? value : Number.isSafeInteger(value) ? BigInt(value) : null;
  if (big === null || big < -(2n ** 63n) || big >= 2n ** 64n)
    throw new RangeError(`not a 64-bit integer: ${value}`);
  return big.toString();
}

/** A list for IN (...): never empty (an empty IN is a syntax error there), so `[]` matches nothing. */
export const list = (values: string[]) => (values.length ? values.join(", ") : "NULL");
