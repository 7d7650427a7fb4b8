import { describe, expect, it } from "vitest";
import { frame, recordedRecords, recordedStream } from "../../test/fixtures";
import { FrameReader } from "./frames";

type Frame = { record: Buffer; error?: undefined } | { record?: undefined; error: string };

const records = recordedRecords();

function readAll(chunks: Buffer[]): Frame[] {
  const frames: Frame[] = [];
  const reader = new FrameReader({
    record: (buf, start, end) => frames.push({ record: Buffer.from(buf.subarray(start, end)) }),
    error: (error) => frames.push({ error }),
  });
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return frames;
}

describe("FrameReader", () => {
  it("splits the recorded stream into its records", () => {
    const frames = readAll([recordedStream]);
    expect(frames.map((f) => f.record)).toEqual(records);
  });

  it("gives the same records however the stream is chunked", () => {
    for (const size of [1, 3, 7, 64, 1000]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < recordedStream.length; at += size)
        chunks.push(recordedStream.subarray(at, at + size));
      expect(readAll(chunks).map((f) => f.record)).toEqual(records);
    }
  });

  it("reports garbage between frames once and resumes at the next frame", () => {
    const [first, second] = records as [Buffer, Buffer];
    const frames = readAll([Buffer.concat([frame(first), Buffer.from("garbage!garbage!"), frame(second)])]);
    expect(frames).toHaveLength(3);
    expect(frames[0]?.record).toEqual(first);
    expect(frames[1]?.error).toMatch(/no frame marker at byte \d+; skipped 16 bytes/);
    expect(frames[2]?.record).toEqual(second);
  });

  it("reports an impossible frame length and resumes at the next frame", () => {
    const [first, second] = records as [Buffer, Buffer];
    const bad = frame(first);
    bad.writeUInt32LE(1 << 30, 4);
    const frames = readAll([Buffer.concat([bad, frame(second)])]);
    expect(frames[0]?.error).toMatch(/frame length 1073741824 is outside 64..32768/);
    expect(frames.at(-1)?.record).toEqual(second);
  });

  it("reports a stream that ends inside a frame", () => {
    const cut = recordedStream.subarray(0, recordedStream.length - 10);
    const frames = readAll([cut]);
    expect(frames.slice(0, -1).map((f) => f.record)).toEqual(records.slice(0, -1));
    expect(frames.at(-1)?.error).toMatch(/stream ended inside a frame .* bytes left over/);
  });
});
