import { gzipSync } from "node:zlib";
import { validEvent } from "@vigil/events/fixtures";
import { describe, expect, it } from "vitest";
import { decodeBody, eventCount } from "./batch-decoder";

const machineId = (validEvent("exec").host as { id: string }).id;
const gzipped = (text: string) => new Uint8Array(gzipSync(text));

describe("decodeBody", () => {
  it("refuses an event whose JSON escapes a lone surrogate, naming where, and keeps the others", () => {
    const good = validEvent("exec");
    const bad = validEvent("exec");
    (bad.process as { comm: string }).comm = "LONE";
    const text = JSON.stringify({ stream: "s", firstSeq: 1, events: [good, bad] }).replace(
      "LONE",
      "x\\ud800",
    );
    const batch = decodeBody(gzipped(text), "gzip", machineId);
    expect(batch.rejected).toEqual([
      {
        index: 1,
        reason: "process.comm: not valid Unicode: a lone surrogate (\\uD800-\\uDFFF) cannot be stored",
      },
    ]);
    expect(eventCount(batch)).toBe(1);
  });

  it("keeps escaped characters that are whole: a pair, a control character", () => {
    const event = validEvent("exec");
    (event.process as { argv: string[] }).argv = ["sh", "\ud83d\ude00", "\u001b[31m"];
    const text = JSON.stringify({ stream: "s", firstSeq: 1, events: [event] }).replace(
      "😀",
      "\\ud83d\\ude00",
    );
    expect(text).toContain("\\ud83d\\ude00");
    const batch = decodeBody(gzipped(text), "gzip", machineId);
    expect(batch.rejected).toEqual([]);
    expect(eventCount(batch)).toBe(1);
  });
});
