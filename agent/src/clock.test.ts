import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitNs, WallClock } from "./clock";
import { JsonLine } from "./json-line";

describe("splitNs", () => {
  it("agrees with BigInt division on every u64", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (ns) => {
        const [seconds, nanos] = splitNs(Number(ns >> 32n), Number(ns & 0xffffffffn));
        expect(BigInt(seconds)).toBe(ns / 1_000_000_000n);
        expect(BigInt(nanos)).toBe(ns % 1_000_000_000n);
      }),
    );
  });
});

describe("WallClock", () => {
  it("adds the realtime offset with a carry into the seconds", () => {
    const clock = new WallClock();
    clock.setOffset(1_700_000_000_999_999_999n);
    const line = new JsonLine();
    clock.write(line, 0, 2); // 2 ns after boot
    expect(line.bytes().toString()).toBe('"2023-11-14T22:13:21.000000001Z"');
  });
});
