import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { frame, recordedRecords } from "../../test/fixtures";
import { Flag, FRAME_MAGIC, layout, RECORD_MAX, RecordType } from "./abi";
import { FrameReader } from "./frames";
import { DecodeError, decodeRecord, type KernelRecord } from "./records";

const recorded = recordedRecords();
const MAGIC = Buffer.alloc(4);
MAGIC.writeUInt32LE(FRAME_MAGIC);
const HEADER_SIZE = layout.vigil_header.size;

type Delivered = { records: Buffer[]; errors: string[] };

function read(chunks: Buffer[]): Delivered {
  const delivered: Delivered = { records: [], errors: [] };
  const reader = new FrameReader({
    record: (buf, start, end) => delivered.records.push(Buffer.from(buf.subarray(start, end))),
    error: (message) => delivered.errors.push(message),
  });
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return delivered;
}

/** Cuts the stream into consecutive chunks, cycling through the sizes (a 0 pushes an empty chunk). */
function cut(stream: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < stream.length; i++) {
    const size = sizes[i % sizes.length] as number;
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

const frameLengthInRange = (length: number) => length >= HEADER_SIZE && length <= RECORD_MAX;

/** Every frame marker in the stream is either at a real frame start or followed by a length the reader refuses. */
function onlyExpectedMarkers(stream: Buffer, frameStarts: Set<number>): boolean {
  for (let at = stream.indexOf(MAGIC); at !== -1; at = stream.indexOf(MAGIC, at + 1)) {
    if (frameStarts.has(at)) continue;
    if (at + 8 <= stream.length && frameLengthInRange(stream.readUInt32LE(at + 4))) return false;
  }
  return true;
}

const payload = fc.oneof(
  fc.constantFrom(...recorded),
  fc.uint8Array({ minLength: HEADER_SIZE, maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
  fc
    .record({
      length: fc.oneof(
        fc.constantFrom(HEADER_SIZE, RECORD_MAX),
        fc.integer({ min: HEADER_SIZE, max: RECORD_MAX }),
      ),
      fill: fc.integer({ min: 0, max: 255 }),
    })
    .map(({ length, fill }) => Buffer.alloc(length, fill)),
);

const magicPieces = [1, 2, 3].flatMap((n) => [MAGIC.subarray(0, n), MAGIC.subarray(4 - n)]);
const refusedHeader = fc
  .oneof(fc.integer({ min: 0, max: HEADER_SIZE - 1 }), fc.integer({ min: RECORD_MAX + 1, max: 0xffffffff }))
  .map((length) => {
    const header = Buffer.alloc(8);
    header.writeUInt32LE(FRAME_MAGIC, 0);
    header.writeUInt32LE(length, 4);
    return header;
  });
const garbage = fc
  .array(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
      fc.constantFrom(...magicPieces),
      refusedHeader,
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((pieces) => Buffer.concat(pieces));

type Segment = { kind: "frame" | "garbage"; bytes: Buffer };

function layOut(segments: Segment[]) {
  const frameStarts = new Set<number>();
  const garbageRuns: Array<[number, number]> = [];
  let at = 0;
  for (const { kind, bytes } of segments) {
    const lastRun = garbageRuns.at(-1);
    if (kind === "frame") frameStarts.add(at);
    else if (lastRun && lastRun[1] === at) lastRun[1] += bytes.length;
    else garbageRuns.push([at, at + bytes.length]);
    at += bytes.length;
  }
  return { stream: Buffer.concat(segments.map((s) => s.bytes)), frameStarts, garbageRuns };
}

/** "... at byte N; skipped K bytes ..." -> [N, N + K); "stream ended ... at byte N (K bytes left over)" likewise. */
function namedBytes(error: string): [number, number] {
  const skipped = /at byte (\d+); skipped (\d+) bytes/.exec(error);
  const leftOver = /stream ended inside a frame at byte (\d+) \((\d+) bytes left over\)/.exec(error);
  const match = skipped ?? leftOver;
  if (!match) throw new Error(`error names no bytes: ${error}`);
  const from = Number(match[1]);
  return [from, from + Number(match[2])];
}

// Buffer.equals: a deep toEqual over tens of kilobytes of records dominates the run time
function sameRecords(delivered: Buffer[], wanted: Buffer[]): boolean {
  return (
    delivered.length === wanted.length && delivered.every((record, i) => record.equals(wanted[i] as Buffer))
  );
}

function isSubsequence(wanted: Buffer[], delivered: Buffer[]): boolean {
  let i = 0;
  for (const record of delivered) if (i < wanted.length && record.equals(wanted[i] as Buffer)) i++;
  return i === wanted.length;
}

describe("FrameReader on any chunking", () => {
  it("delivers the same records, and no error, however a valid stream is cut", () => {
    const sizes = fc.array(fc.oneof(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 5000 })), {
      minLength: 1,
      maxLength: 50,
    });
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 20 }), sizes, (payloads, chunkSizes) => {
        fc.pre(chunkSizes.some((size) => size > 0));
        const stream = Buffer.concat(payloads.map(frame));
        const { records, errors } = read(cut(stream, chunkSizes));
        expect(errors).toEqual([]);
        expect(sameRecords(records, payloads), "records delivered differ from those sent").toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("FrameReader on damaged streams", () => {
  it("delivers every frame around garbage, and each error names bytes of one garbage run", () => {
    const segment = fc.oneof(
      payload.map((p): Segment => ({ kind: "frame", bytes: frame(p) })),
      garbage.map((g): Segment => ({ kind: "garbage", bytes: g })),
    );
    const sizes = fc.array(fc.integer({ min: 1, max: 8192 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 30 }), sizes, (segments, chunkSizes) => {
        const { stream, frameStarts, garbageRuns } = layOut(segments);
        fc.pre(onlyExpectedMarkers(stream, frameStarts));
        const { records, errors } = read(cut(stream, chunkSizes));

        const framed = segments.filter((s) => s.kind === "frame").map((s) => s.bytes.subarray(8));
        expect(sameRecords(records, framed), "a frame beside garbage was lost or changed").toBe(true);
        const named = errors.map(namedBytes);
        for (const [from, to] of named)
          expect(
            garbageRuns.some(([start, end]) => start <= from && to <= end),
            `error names bytes ${from}..${to}, not garbage`,
          ).toBe(true);
        for (const [start, end] of garbageRuns)
          expect(
            named.some(([from]) => start <= from && from < end),
            `garbage at ${start}..${end} not reported`,
          ).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  // The reader trusts a frame's length when it is in range (no checksum), so damage that leaves the marker and
  // length readable but wrong may swallow what follows, up to one longest frame. Everything after that is read.
  type Damage =
    | { kind: "flip"; at: number; bit: number }
    | { kind: "truncate"; at: number }
    | { kind: "insert"; at: number; bytes: Buffer };

  const MARKER = [0, 1, 2, 3];
  const LENGTH_FIELD = [4, 5, 6, 7];
  /** Offsets below 8 are the frame header's bytes; larger ones land anywhere in the record. */
  const offsetIn = (at: number, frameLength: number) => (at < 8 ? at : 8 + ((at - 8) % (frameLength - 8)));

  function damage(bytes: Buffer, d: Damage): Buffer {
    const offset = offsetIn(d.at, bytes.length);
    if (d.kind === "truncate") return bytes.subarray(0, Math.max(1, offset));
    if (d.kind === "insert")
      return Buffer.concat([bytes.subarray(0, offset), d.bytes, bytes.subarray(offset)]);
    const flipped = Buffer.from(bytes);
    flipped[offset] = (flipped[offset] as number) ^ (1 << d.bit);
    return flipped;
  }

  function damagedStream(frames: Array<{ payload: Buffer; damage: Damage | null }>) {
    const intact: Array<{ payload: Buffer; start: number }> = [];
    const damagedRegions: Array<{ start: number; end: number; misleads: boolean }> = [];
    const frameStarts = new Set<number>();
    const parts: Buffer[] = [];
    let at = 0;
    for (const { payload, damage: d } of frames) {
      const bytes = d ? damage(frame(payload), d) : frame(payload);
      const marked = bytes.subarray(0, 4).equals(MAGIC);
      // an insertion into the marker can rebuild it and shift the length: a wrong length the reader trusts
      const claimed = marked && bytes.length >= 8 ? bytes.readUInt32LE(4) : payload.length;
      const misleads = claimed !== payload.length && frameLengthInRange(claimed);
      if (d) damagedRegions.push({ start: at, end: at + bytes.length, misleads });
      else intact.push({ payload, start: at });
      if (marked) frameStarts.add(at);
      parts.push(bytes);
      at += bytes.length;
    }
    return { stream: Buffer.concat(parts), intact, damagedRegions, frameStarts };
  }

  const damagedFrames = (damageArb: fc.Arbitrary<Damage>) =>
    fc.array(fc.record({ payload, damage: fc.option(damageArb, { freq: 8 }) }), {
      minLength: 1,
      maxLength: 120,
    });
  const chunkSizes = fc.array(fc.integer({ min: 512, max: 65536 }), { minLength: 1, maxLength: 4 });
  const bit = fc.integer({ min: 0, max: 7 });

  it("delivers every intact frame after damage to anything but a frame's length", () => {
    const besideLength = fc.oneof(fc.constantFrom(...MARKER), fc.integer({ min: 8 }));
    const lengthKept = fc.oneof(
      fc.record({ kind: fc.constant("flip" as const), at: besideLength, bit }),
      fc.record({ kind: fc.constant("insert" as const), at: besideLength, bytes: garbage }),
    );
    fc.assert(
      fc.property(damagedFrames(lengthKept), chunkSizes, (frames, sizes) => {
        const { stream, intact, damagedRegions, frameStarts } = damagedStream(frames);
        fc.pre(onlyExpectedMarkers(stream, frameStarts) && !damagedRegions.some((r) => r.misleads));
        const { records } = read(cut(stream, sizes));
        expect(
          isSubsequence(
            intact.map((f) => f.payload),
            records,
          ),
          "an intact frame was lost",
        ).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("after a cut frame or a damaged length, delivers every intact frame beyond one longest frame", () => {
    const anywhere = fc.oneof(fc.constantFrom(...MARKER, ...LENGTH_FIELD), fc.integer({ min: 8 }));
    const anyDamage = fc.oneof(
      fc.record({ kind: fc.constant("flip" as const), at: anywhere, bit }),
      fc.record({ kind: fc.constant("truncate" as const), at: anywhere }),
      fc.record({ kind: fc.constant("insert" as const), at: anywhere, bytes: garbage }),
    );
    fc.assert(
      fc.property(damagedFrames(anyDamage), chunkSizes, (frames, sizes) => {
        const { stream, intact, damagedRegions, frameStarts } = damagedStream(frames);
        fc.pre(onlyExpectedMarkers(stream, frameStarts));
        const { records } = read(cut(stream, sizes));
        const beyondReach = intact.filter(({ start }) => {
          const last = damagedRegions.filter((r) => r.start < start).at(-1);
          return !last || start >= last.end + 8 + RECORD_MAX;
        });
        expect(
          isSubsequence(
            beyondReach.map((f) => f.payload),
            records,
          ),
          "an intact frame beyond the damage's reach was lost",
        ).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on arbitrary bytes and reports no more than the input can hold", () => {
    const bytes = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
        fc.constantFrom(...magicPieces, MAGIC),
        fc.integer({ min: 0, max: RECORD_MAX + 8 }).map((n) => Buffer.from(new Uint32Array([n]).buffer)),
      ),
      { maxLength: 200 },
    );
    const sizes = fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(bytes, sizes, (pieces, chunkSizes) => {
        fc.pre(chunkSizes.some((size) => size > 0));
        const stream = Buffer.concat(pieces);
        const chunks = cut(stream, chunkSizes);
        const { records, errors } = read(chunks);

        for (const record of records)
          expect(frameLengthInRange(record.length), `record of ${record.length} bytes`).toBe(true);
        expect(records.reduce((sum, r) => sum + 8 + r.length, 0)).toBeLessThanOrEqual(stream.length);
        // garbage is reported once per push or record it follows, a refused marker once (markers cannot overlap)
        const bound = chunks.length + records.length + Math.floor(stream.length / 4) + 1;
        expect(errors.length).toBeLessThanOrEqual(bound);
        for (const error of errors) {
          const [from, to] = namedBytes(error);
          expect(to).toBeLessThanOrEqual(stream.length);
          expect(from).toBeLessThanOrEqual(to);
        }
      }),
      { numRuns: 500 },
    );
  });
});

const recordTypes = Object.values(RecordType);
const kindByType = Object.fromEntries(Object.entries(RecordType).map(([name, type]) => [type, name]));

type Outcome = { record: KernelRecord } | { error: string };

function decodeOutcome(buf: Buffer, at?: number, end?: number): Outcome {
  try {
    return { record: decodeRecord(buf, at, end) };
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as Error).message).not.toBe("");
    return { error: (error as Error).message };
  }
}

/** A decoded record's header is the record's first bytes and its kind follows its type. */
function expectFaithfulHeader(record: Buffer, outcome: Outcome): void {
  if (!("record" in outcome)) return;
  const { header, kind } = outcome.record;
  expect(header.type).toBe(record.readUInt16LE(0));
  expect(header.size).toBe(record.length);
  expect(header.pid).toBe(record.readUInt32LE(layout.vigil_header.fields.pid[0]));
  expect(kind.replace("mem_write", "memWrite")).toBe(kindByType[header.type]);
}

describe("decodeRecord on random and mutated bytes", () => {
  const withSize = (bytes: Buffer, size: number) => {
    if (bytes.length >= 8) bytes.writeUInt32LE(size, layout.vigil_header.fields.size[0]);
    return bytes;
  };

  const plausibleRecord = fc
    .record({
      type: fc.oneof(fc.constantFrom(...recordTypes), fc.integer({ min: 0, max: 0xffff })),
      body: fc.uint8Array({ minLength: 0, maxLength: 400 }),
      sizeMatches: fc.boolean(),
      bigFill: fc.option(fc.integer({ min: RECORD_MAX, max: 70_000 }), { freq: 20 }),
    })
    .map(({ type, body, sizeMatches, bigFill }) => {
      const bytes = bigFill === null ? Buffer.from(body) : Buffer.alloc(bigFill, body[0] ?? 0);
      if (bytes.length >= 2) bytes.writeUInt16LE(type, 0);
      return sizeMatches ? withSize(bytes, bytes.length) : bytes;
    });

  const mutatedRecord = fc
    .record({
      original: fc.constantFrom(...recorded),
      writes: fc.array(
        fc.record({
          at: fc.nat({ max: 260 }),
          value: fc.integer({ min: 0, max: 0xffff }),
          wide: fc.boolean(),
        }),
        { minLength: 1, maxLength: 6 },
      ),
      resize: fc.option(fc.integer({ min: -120, max: 120 })),
      fixSize: fc.boolean(),
    })
    .map(({ original, writes, resize, fixSize }) => {
      const length = Math.max(0, original.length + (resize ?? 0));
      const bytes = Buffer.alloc(length);
      original.copy(bytes, 0, 0, Math.min(length, original.length));
      for (const { at, value, wide } of writes) {
        if (wide && at + 2 <= length) bytes.writeUInt16LE(value, at);
        else if (at < length) bytes[at] = value & 0xff;
      }
      return fixSize ? withSize(bytes, length) : bytes;
    });

  it("returns a faithful record or throws a DecodeError, for any bytes", () => {
    fc.assert(
      fc.property(fc.oneof(plausibleRecord, mutatedRecord), (record) => {
        expectFaithfulHeader(record, decodeOutcome(record));
      }),
      { numRuns: 3000 },
    );
  });

  it("decodes a record in place inside other bytes exactly as alone, never reading outside it", () => {
    const junk = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
    fc.assert(
      fc.property(fc.oneof(plausibleRecord, mutatedRecord), junk, junk, (record, before, after) => {
        const stream = Buffer.concat([before, record, after]);
        expect(decodeOutcome(stream, before.length, before.length + record.length)).toEqual(
          decodeOutcome(Buffer.from(record)),
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe("decodeRecord on exec records written to the ABI", () => {
  const kernelString = fc.string({ unit: "grapheme", maxLength: 20 }).filter((s) => !s.includes("\0"));
  const component = fc
    .string({ unit: "grapheme", minLength: 1, maxLength: 12 })
    .filter((s) => !s.includes("\0") && !s.includes("/"));
  const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

  const exec = fc.record({
    flags: fc.integer({ min: 0, max: 0xffff }),
    ktime: u64,
    cgroupId: u64,
    pid: fc.nat({ max: 0xffffffff }),
    uid: fc.nat({ max: 0xffffffff }),
    comm: fc.string({ unit: "grapheme-ascii", maxLength: 16 }),
    exeIno: u64,
    exeMtimeNs: u64,
    argc: fc.nat({ max: 0xffffffff }),
    filename: kernelString,
    interp: fc.option(kernelString),
    exe: fc.array(component, { maxLength: 6 }),
    cwd: fc.array(component, { maxLength: 6 }),
    argv: fc.array(kernelString, { maxLength: 8 }),
    decision: fc.option(
      fc.record({
        generation: fc.nat({ max: 0xffffffff }),
        rule: fc.nat({ max: 0xffff }),
        verdict: fc.constantFrom("denied" as const, "audit" as const),
      }),
    ),
  });
  type Exec = typeof exec extends fc.Arbitrary<infer T> ? T : never;

  const cString = (s: string) => Buffer.from(`${s}\0`);
  /** The sensor walks a path from the leaf up: components leaf first, each NUL-terminated. */
  const walkedBytes = (rootFirst: string[]) => Buffer.concat([...rootFirst].reverse().map(cString));

  function encodeExec(e: Exec): Buffer {
    const h = layout.vigil_header.fields;
    const x = layout.vigil_exec.fields;
    const d = layout.vigil_decision.fields;
    const strings = [
      cString(e.filename),
      e.interp === null ? Buffer.alloc(0) : cString(e.interp),
      walkedBytes(e.exe),
      walkedBytes(e.cwd),
      Buffer.concat(e.argv.map(cString)),
    ];
    const fixed = Buffer.alloc(layout.vigil_exec.size);
    const record = Buffer.concat([fixed, ...strings]);
    record.writeUInt16LE(RecordType.exec, h.type[0]);
    record.writeUInt16LE(e.flags, h.flags[0]);
    record.writeUInt32LE(record.length, h.size[0]);
    record.writeBigUInt64LE(e.ktime, h.ktime_ns[0]);
    record.writeBigUInt64LE(e.cgroupId, h.cgroup_id[0]);
    record.writeUInt32LE(e.pid, h.pid[0]);
    record.writeUInt32LE(e.uid, h.uid[0]);
    record.write(e.comm, h.comm[0], h.comm[1], "latin1");
    record.writeBigUInt64LE(e.exeIno, x.exe_ino[0]);
    record.writeBigUInt64LE(e.exeMtimeNs, x.exe_mtime_ns[0]);
    record.writeUInt32LE(e.argc, x.argc[0]);
    for (const [i, [offset]] of [x.filename_len, x.interp_len, x.exe_len, x.cwd_len, x.argv_len].entries())
      record.writeUInt16LE((strings[i] as Buffer).length, offset);
    if (e.decision) {
      record.writeUInt32LE(e.decision.generation, x.decision[0] + d.policy_gen[0]);
      record.writeUInt16LE(e.decision.rule, x.decision[0] + d.rule[0]);
      record.writeUInt16LE(e.decision.verdict === "denied" ? 1 : 2, x.decision[0] + d.verdict[0]);
    }
    return record;
  }

  it("reads back every field the sensor wrote", () => {
    fc.assert(
      fc.property(exec, (e) => {
        const detached = (e.flags & Flag.exeDetached) !== 0;
        const truncatedBy: Array<[number, string]> = [
          [Flag.filenameTruncated, "process.filename"],
          [Flag.exeTruncated, "process.exe"],
          [Flag.cwdTruncated, "process.cwd"],
          [Flag.argvTruncated, "process.argv"],
          [Flag.interpTruncated, "script.interpreter"],
        ];
        expect(decodeRecord(encodeExec(e))).toEqual({
          kind: "exec",
          header: expect.objectContaining({
            flags: e.flags,
            ktimeHigh: Number(e.ktime >> 32n),
            ktimeLow: Number(e.ktime & 0xffffffffn),
            cgroupId: String(e.cgroupId),
            pid: e.pid,
            uid: e.uid,
            comm: e.comm,
          }),
          exeIno: String(e.exeIno),
          exeMtimeNs: e.exeMtimeNs,
          exeDev: 0,
          exeNlink: 0,
          argc: e.argc,
          filename: e.filename,
          interp: e.interp,
          exe: { path: detached ? e.exe.join("/") : `/${e.exe.join("/")}`, detached },
          cwd: `/${e.cwd.join("/")}`,
          argv: e.argv,
          truncated: truncatedBy.filter(([flag]) => e.flags & flag).map(([, field]) => field),
          decision: e.decision,
        });
      }),
      { numRuns: 1000 },
    );
  });
});
