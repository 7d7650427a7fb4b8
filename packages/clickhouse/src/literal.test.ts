import { createClient } from "@clickhouse/client";
import fc from "fast-check";
import { afterAll, describe, expect, inject, it } from "vitest";
import { int, str } from "./literal";

const client = createClient({ url: inject("clickhouseUrl") });
afterAll(() => client.close());

const select = async (expressions: string[]) => {
  const result = await client.query({
    query: `SELECT [${expressions.join(", ")}] AS v`,
    format: "JSONEachRow",
  });
  return ((await result.json()) as { v: unknown[] }[])[0]?.v;
};

describe("values written into ClickHouse SQL", () => {
  it("reads back any string exactly as it was, whatever quotes, backslashes and control bytes it holds", async () => {
    const anyCharacter = fc
      .integer({ min: 0, max: 0x10ffff })
      .filter((code) => code < 0xd800 || code > 0xdfff) // a lone surrogate is not text
      .map((code) => String.fromCodePoint(code));
    const special = fc.constantFrom("'", "\\", "\0", "\n", "\r", "`", '"', ";", "?", "\x7f");
    const strings = fc.string({ unit: fc.oneof(special, anyCharacter), maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(fc.array(strings, { minLength: 1, maxLength: 200 }), async (values) => {
        expect(await select(values.map(str))).toEqual(values);
      }),
      { numRuns: 50 },
    );
  });

  it("cannot be broken out of", async () => {
    const attempts = ["'); DROP TABLE x; --", "\\'", "\\\\'", "' OR 1=1 --", "'\\", "\\"];
    expect(await select(attempts.map(str))).toEqual(attempts);
  });

  it("writes 64-bit integers and refuses anything else", async () => {
    expect(await select([int(-(2n ** 63n)), int(42)])).toEqual(["-9223372036854775808", "42"]);
    expect(await select([int(2n ** 64n - 1n)])).toEqual(["18446744073709551615"]);
    for (const bad of [1.5, Number.NaN, 2 ** 60, 2n ** 64n]) expect(() => int(bad)).toThrow(RangeError);
  });
});
