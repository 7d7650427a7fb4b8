import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonLine } from "./json-line";

describe("JsonLine", () => {
  it("writes any string exactly as JSON.stringify does", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        expect(new JsonLine().string(value).bytes().toString()).toBe(JSON.stringify(value));
      }),
    );
  });

  it("escapes markup-free but hostile text: quotes, backslashes, newlines, terminal escapes", () => {
    const hostile = 'a"b\\c\nd\u001b[31m\u007f\u0085é';
    expect(JSON.parse(new JsonLine().string(hostile).bytes().toString())).toBe(hostile);
  });

  it("writes integers, zero-padded integers and hexadecimal", () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: 0xffffffff }), (big, u32) => {
        const line = new JsonLine()
          .uint(big)
          .raw(" ")
          .padded(u32 % 1e9, 9)
          .raw(" ")
          .hex(u32)
          .raw(" ")
          .hex8(u32);
        const hex = u32.toString(16);
        expect(line.bytes().toString()).toBe(
          `${big} ${String(u32 % 1e9).padStart(9, "0")} ${hex} ${hex.padStart(8, "0")}`,
        );
      }),
    );
  });

  it("writes arrays of strings as JSON.stringify does", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" })), (values) => {
        const line = new JsonLine().strings(values);
        expect(line.bytes().toString()).toBe(JSON.stringify(values));
        expect(line.length).toBe(line.bytes().length);
      }),
    );
  });

  it("grows past its first buffer and keeps what it wrote", () => {
    const long = "x".repeat(200_000);
    const line = new JsonLine().raw("[").string(long).raw(",").string(`${long}é`).raw("]");
    expect(JSON.parse(line.bytes().toString())).toEqual([long, `${long}é`]);
  });

  it("copies cached fragments and starts over on reset", () => {
    const line = new JsonLine().raw("stale");
    line.reset().raw("{").json(Buffer.from('"a":1')).raw("}");
    expect(line.bytes().toString()).toBe('{"a":1}');
  });
});
