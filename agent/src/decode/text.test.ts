import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitNul, text } from "./text";

describe("text", () => {
  it("passes valid UTF-8 through unchanged", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        const bytes = Buffer.from(s, "utf8");
        expect(text(bytes, 0, bytes.length)).toBe(s);
      }),
    );
  });

  it("escapes each invalid byte as \\xNN and keeps the valid ones around it", () => {
    const bytes = Buffer.from([0x61, 0xff, 0x62, 0xc3, 0xa9, 0xe2, 0x82, 0x63, 0xed, 0xa0, 0x80]);
    expect(text(bytes, 0, bytes.length)).toBe("a\\xffbé\\xe2\\x82c\\xed\\xa0\\x80");
  });

  it("never drops a byte: undoing the escapes gives back the kernel's bytes", () => {
    const noBackslash = fc.uint8Array({ maxLength: 64 }).filter((bytes) => !bytes.includes(0x5c));
    fc.assert(
      fc.property(noBackslash, (raw) => {
        const bytes = Buffer.from(raw);
        expect(undoEscapes(text(bytes, 0, bytes.length))).toEqual(bytes);
      }),
    );
  });
});

function undoEscapes(s: string): Buffer {
  const parts = s.split(/\\x([0-9a-f]{2})/);
  return Buffer.concat(
    parts.map((part, i) => (i % 2 ? Buffer.from([Number.parseInt(part, 16)]) : Buffer.from(part))),
  );
}

describe("splitNul", () => {
  it("keeps empty arguments and a final cut argument", () => {
    const bytes = Buffer.from("a\0\0b\0cut", "latin1");
    expect(splitNul(bytes, 0, bytes.length)).toEqual(["a", "", "b", "cut"]);
  });
});
