import { Column, eventsArrivedAfter, lastSeq, NUMBERS } from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { type EventType, eventTypes, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../errors";
import { authenticateAgent } from "./authenticate";
import { decodeBatch, maxBatchEvents } from "./decode-batch";
import { enrollAgent } from "./enroll";
import { createEnrollToken } from "./enroll-tokens";
import { Ingest, type IngestResult } from "./ingest";

const machineId = "host-7f3a";
type Json = Record<string, unknown>;

const text = (minLength = 0) => fc.string({ unit: "grapheme", minLength, maxLength: 12 });
const u32 = fc.nat({ max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
const hex = (value: bigint | number) => value.toString(16);

/** Nanoseconds since the epoch as the server writes times back: UTC, nine fraction digits. */
function utc(ns: bigint): string {
  const fraction = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const seconds = (ns - fraction) / 1_000_000_000n;
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction.toString().padStart(9, "0")}Z`;
}
/** The times a signed 64-bit nanosecond count holds from the epoch on. */
const storableTime = fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(utc);

const processRef = fc.record({ pid: u32, exe: text(), comm: text() });
const fileRef = fc.record({ path: text(), dev: u32, inode: u64 });
const eventProcess = fc.record(
  {
    pid: u32,
    tid: u32,
    ppid: u32,
    uid: fc.oneof(fc.constantFrom(0, 1000), u32),
    euid: u32,
    gid: u32,
    user: text(1),
    comm: text(),
    exe: text(),
    filename: text(),
    argv: fc.array(text(), { maxLength: 4 }),
    cwd: text(),
    cgroupId: u64,
    containerId: text(1),
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
    exeDeleted: fc.boolean(),
    memfd: fc.boolean(),
  },
  {
    requiredKeys: [
      "pid",
      "tid",
      "ppid",
      "uid",
      "euid",
      "gid",
      "comm",
      "exe",
      "filename",
      "argv",
      "cwd",
      "cgroupId",
    ],
  },
);

const typeMembers: Record<EventType, fc.Arbitrary<Json>> = {
  exec: fc.record(
    { parent: processRef, file: fileRef, script: fc.record({ path: text(), interpreter: text() }) },
    { requiredKeys: ["parent", "file"] },
  ),
  unlink_running: fc.record(
    { file: fileRef, running: fc.record({ pids: fc.array(u32, { maxLength: 3 }) }), parent: processRef },
    { requiredKeys: ["file", "running"] },
  ),
  ptrace: fc.record(
    {
      request: fc.stringMatching(/^PTRACE_[A-Z_]{1,10}$/),
      target: processRef,
      error: fc.stringMatching(/^E[A-Z0-9]{1,8}$/),
      parent: processRef,
    },
    { requiredKeys: ["request", "target"] },
  ),
  mem_write: fc.record(
    {
      method: fc.constantFrom("proc_mem", "process_vm_writev", "ptrace_poke"),
      target: processRef,
      bytes: fc.maxSafeNat(),
      error: fc.stringMatching(/^E[A-Z0-9]{1,8}$/),
      parent: processRef,
    },
    { requiredKeys: ["method", "target"] },
  ),
  fork: fc.record({ parent: processRef }),
  exit: fc.record(
    {
      exit: fc.record({ code: fc.integer({ min: 0, max: 255 }), signal: fc.integer({ min: 0, max: 127 }) }),
      parent: processRef,
    },
    { requiredKeys: ["exit"] },
  ),
};

/** An id in the agent's form (`<boot>-<ktime hex>-<tid hex>-<type>`), which the store keeps compactly, or any. */
const eventId = (type: EventType) =>
  fc.oneof(
    fc
      .tuple(fc.stringMatching(/^[0-9a-z]{1,32}$/), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), u32)
      .map(([boot, ktime, tid]) => `${boot}-${hex(ktime)}-${hex(tid)}-${type}`),
    text(1),
  );

const envelope = fc.record(
  {
    host: fc.record({ id: fc.constant(machineId), name: text(1) }),
    sensor: fc.constantFrom("lsm", "tracepoint"),
    verdict: fc.constantFrom("allowed", "denied", "audit"),
    policy: fc.option(
      fc.record({ id: text(1), version: fc.integer({ min: 1, max: 1_000_000 }), rule: text(1) }),
    ),
    process: eventProcess,
    truncated: fc.array(fc.constantFrom("process.argv", "process.exe", "file.path"), { maxLength: 2 }),
  },
  { requiredKeys: ["host", "sensor", "verdict", "policy", "process"] },
);

/** Any event the wire format admits, from this agent's host, at a time the store can hold. */
const validEventArb = fc.oneof(
  ...eventTypes.map((type) =>
    fc
      .tuple(eventId(type), storableTime, envelope, typeMembers[type])
      .map(([id, time, members, more]): Json => ({ id, time, ...members, ...more, type })),
  ),
);

type Mutation = { op: "set" | "delete" | "add"; at: number; key: string; value: unknown };
type Mutated = { event: unknown; touched: string[]; typeChanged: boolean };

/** Every member path of a JSON value, parents before children. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    return [path, ...paths(child, path)];
  });
}

function mutate(original: Json, mutations: Mutation[]): Mutated {
  const event = structuredClone(original);
  const touched: string[] = [];
  let typeChanged = false;
  for (const { op, at, key, value } of mutations) {
    const all = paths(event);
    if (all.length === 0) break;
    const path = all[at % all.length] as (string | number)[];
    const last = path.at(-1) as string | number;
    const parent = path.slice(0, -1).reduce<unknown>((node, k) => (node as Json)[k], event) as Json;
    if (path.length === 1 && last === "type") typeChanged = true;
    if (op === "set") parent[last] = value;
    else if (op === "delete" && Array.isArray(parent)) parent.splice(last as number, 1);
    else if (op === "delete") delete parent[last];
    const node = parent[last];
    if (op === "add" && node !== null && typeof node === "object" && !Array.isArray(node)) {
      (node as Json)[key] = value;
      touched.push(key);
    } else {
      // An array is named, not its index: a later delete in it moves the elements after it down one.
      const named = path.filter((k): k is string => typeof k === "string").at(-1);
      touched.push(typeof last === "number" ? (named ?? `[${last}]`) : last);
    }
  }
  return { event, touched, typeChanged };
}

const mutation = fc.record({
  op: fc.constantFrom("set" as const, "delete" as const, "add" as const),
  at: fc.nat(),
  key: fc.string({ minLength: 1, maxLength: 6 }),
  value: fc.jsonValue({ maxDepth: 2 }),
});
const fixture = fc.constantFrom(...eventTypes).map(validEvent);
const mutatedEvent = fc
  .tuple(fc.oneof(fixture, validEventArb), fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([event, mutations]) => mutate(event, mutations));

/** One event of a batch, with what a refusal of it should name (null: anything). */
type Candidate = { event: unknown; names: string[] | null };
const candidate: fc.Arbitrary<Candidate> = fc.oneof(
  validEventArb.map((event) => ({ event, names: null })),
  mutatedEvent.map(({ event, touched, typeChanged }) => ({ event, names: typeChanged ? null : touched })),
  fc.jsonValue({ maxDepth: 3 }).map((event) => ({ event, names: null })),
);

const isRecord = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** What the agent API takes as a batch, written out plainly; the names of each member it refuses. */
function envelopeProblems(body: unknown): string[] {
  if (!isRecord(body)) return ["(batch)"];
  const problems = Object.keys(body).filter((key) => !["stream", "firstSeq", "events"].includes(key));
  const { stream, firstSeq, events } = body;
  if (typeof stream !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(stream)) problems.push("stream");
  if (!Number.isSafeInteger(firstSeq) || (firstSeq as number) < 1) problems.push("firstSeq");
  if (!Array.isArray(events) || events.length > maxBatchEvents) problems.push("events");
  return problems;
}

function decodeOrRefusal(body: unknown) {
  try {
    return { batch: decodeBatch(body, machineId) };
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).status).toBe(400);
    return { refusal: (error as DomainError).message };
  }
}

const acceptable = (event: unknown) =>
  vigilEventSchema.safeParse(event).success && (event as { host: { id: string } }).host.id === machineId;

describe("decodeBatch on any body", () => {
  const stream = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.jsonValue({ maxDepth: 1 }));
  const firstSeq = fc.oneof(fc.integer({ min: 1 }), fc.jsonValue({ maxDepth: 1 }), fc.double());
  const events = fc.oneof(
    fc.array(candidate, { maxLength: 4 }).map((cs) => cs.map((c) => c.event)),
    fc.jsonValue({ maxDepth: 2 }),
    fc.constant(Array.from({ length: maxBatchEvents + 1 }, () => 0)),
  );
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc
      .tuple(
        fc.record({ stream, firstSeq, events }, { requiredKeys: [] }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), {
          maxKeys: 2,
        }),
      )
      .map(([members, extra]) => ({ ...extra, ...members })),
  );

  it("decodes a batch the envelope allows, else refuses it with a 400 naming every wrong member", () => {
    fc.assert(
      fc.property(body, (b) => {
        const outcome = decodeOrRefusal(b);
        const problems = envelopeProblems(b);
        if (problems.length === 0) {
          expect(outcome.batch?.size).toBe((b as { events: unknown[] }).events.length);
          return;
        }
        expect(outcome.refusal).toMatch(/^not an event batch: /);
        for (const name of problems) expect(outcome.refusal).toContain(name);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("decodeBatch on valid, mutated and random events", () => {
  it("refuses exactly the events the schema or the host refuses, each with a reason naming what is wrong", () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 8 }), (candidates) => {
        const { rows, rejected, size } = decodeBatch(
          { stream: "s", firstSeq: 1, events: candidates.map((c) => c.event) },
          machineId,
        );
        const refused = candidates.flatMap((c, index) => (acceptable(c.event) ? [] : [index]));
        expect(size).toBe(candidates.length);
        expect(rejected.map((r) => r.index)).toEqual(refused);
        for (const { index, reason } of rejected) {
          expect(reason).not.toBe("");
          const names = candidates[index]?.names;
          if (names)
            expect(
              names.some((name) => reason.includes(name)),
              `names none of ${names}`,
            ).toBe(true);
        }
        const kept = Array.from(
          { length: rows.count },
          (_, row) => rows.numbers[row * NUMBERS + Column.batchIndex],
        );
        expect(kept).toEqual(candidates.flatMap((c, index) => (acceptable(c.event) ? [index] : [])));
      }),
      { numRuns: 1500 },
    );
  });
});

describe("Ingest stores what it accepts", () => {
  let ingestBatch: (events: unknown[]) => IngestResult;
  let storedSince: (seq: bigint) => unknown[];
  let newestSeq: () => bigint;
  let hostName: string;
  let cleanup = () => {};
  /** The name each uid has on the host now: what every event of that uid reads back with. */
  const userNames = new Map<number, string>();
  let streams = 0;

  beforeAll(() => {
    const t = testStore();
    cleanup = t.cleanup;
    const { token } = createEnrollToken(t.store, { labels: {} });
    const agent = authenticateAgent(
      t.store,
      enrollAgent(t.store, { token, host: { machineId, name: "web-1" } }).credential,
    );
    const ingest = new Ingest(t.store);
    hostName = t.store.sqlite
      .prepare("SELECT name FROM hosts WHERE machine_id = ?")
      .pluck()
      .get(machineId) as string;
    ingestBatch = (events) => {
      return ingest.ingest(agent, { stream: `s${streams++}`, firstSeq: 1, events });
    };
    storedSince = (seq) => eventsArrivedAfter(t.store.sqlite, {}, seq, 1_000).map((e) => e.event);
    newestSeq = () => lastSeq(t.store.sqlite);
  });
  afterAll(() => cleanup());

  /** An accepted event as the store gives it back: the host's own name, the uid's current user name, UTC time. */
  function asStored(event: Json): Json {
    const { user: _, ...process } = event.process as Json;
    const user = userNames.get(process.uid as number);
    return {
      ...event,
      host: { id: machineId, name: hostName },
      process: user === undefined ? process : { ...process, user },
    };
  }

  function ingestAndReadBack(events: unknown[]) {
    const before = newestSeq();
    const result = ingestBatch(events);
    const refused = new Set(result.rejected.map((r) => r.index));
    const accepted = events.filter((_, index) => !refused.has(index)) as Json[];
    for (const event of accepted) {
      const { uid, user } = event.process as { uid: number; user?: string };
      if (user !== undefined) userNames.set(uid, user);
    }
    return { result, accepted, stored: storedSince(before) };
  }

  it("reads back every accepted event member for member, and stores nothing it refused", () => {
    const batch = fc.array(
      fc.oneof(
        { weight: 3, arbitrary: validEventArb.map((event) => ({ event, valid: true })) },
        mutatedEvent.map(({ event }) => ({ event, valid: false })),
      ),
      { maxLength: 10 },
    );
    fc.assert(
      fc.property(batch, (items) => {
        for (const { event, valid } of items) if (valid) expect(vigilEventSchema.parse(event)).toBeDefined();
        const events = items.map((item) => item.event);
        const { result, accepted, stored } = ingestAndReadBack(events);
        expect(result.rejected.map((r) => r.index)).toEqual(
          events.flatMap((e, index) => (acceptable(e) ? [] : [index])),
        );
        expect(result.accepted).toBe(accepted.length);
        expect(stored).toEqual(accepted.map(asStored));
      }),
      { numRuns: 1000 },
    );
  });

  // RFC 3339 as the schema admits it: any year, day 01-31, second 60, an offset.
  const timeParts = fc.record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 60 }),
    nanos: fc.integer({ min: 0, max: 999_999_999 }),
    offsetMinutes: fc.oneof(fc.constant(null), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })),
  });
  type TimeParts = typeof timeParts extends fc.Arbitrary<infer T> ? T : never;
  const anyTime = timeParts.map((t) => ({ ...t, text: rfc3339(t) }));

  function rfc3339(t: TimeParts): string {
    const pad = (n: number, width = 2) => String(n).padStart(width, "0");
    const offset = Math.abs(t.offsetMinutes ?? 0);
    const sign = (t.offsetMinutes ?? 0) < 0 ? "-" : "+";
    const zone =
      t.offsetMinutes === null ? "Z" : `${sign}${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`;
    const date = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
    return `${date}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}.${pad(t.nanos, 9)}${zone}`;
  }

  /** The instant in nanoseconds (a leap second counts as the next second, as the server documents), or null. */
  function instant(t: TimeParts): bigint | null {
    const leapYear = t.year % 4 === 0 && (t.year % 100 !== 0 || t.year % 400 === 0);
    const daysInMonth = [31, leapYear ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][
      t.month - 1
    ] as number;
    if (t.day > daysInMonth) return null;
    const date = new Date(0);
    date.setUTCFullYear(t.year, t.month - 1, t.day);
    date.setUTCHours(t.hour, t.minute - (t.offsetMinutes ?? 0), t.second, 0);
    return BigInt(date.getTime()) * 1_000_000n + BigInt(t.nanos);
  }

  it("stores an event's time as the instant it names, or refuses the event naming its time", () => {
    const timed = fc
      .tuple(anyTime, validEventArb)
      .map(([time, event]) => ({ time, event: { ...event, time: time.text } }));
    fc.assert(
      fc.property(timed, ({ time, event }) => {
        const ns = instant(time);
        const { result, stored } = ingestAndReadBack([event]);
        const [refusal] = result.rejected;
        if (refusal) {
          // before 1970 a signed count could hold it, but refusing it is as right as storing it
          const mayRefuse = ns === null || ns < 0n || ns >= 2n ** 63n;
          expect(mayRefuse, `refused ${time.text}, which the store holds`).toBe(true);
          expect(refusal.reason).toMatch(/^time: /);
          expect(stored).toEqual([]);
        } else {
          const representable = ns !== null && ns >= -(2n ** 63n) && ns < 2n ** 63n;
          expect(representable, `accepted ${time.text}: not a date, or beyond what the store holds`).toBe(
            true,
          );
          expect((stored[0] as Json).time).toBe(utc(ns as bigint));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a string with a lone surrogate (JSON can escape one) exactly, or refuses the event naming it", () => {
    const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
    const jsonString = fc.string({
      unit: fc.oneof(fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }), loneSurrogate),
      maxLength: 6,
    });
    const member = fc.constantFrom("comm", "exe", "filename", "cwd");
    fc.assert(
      fc.property(validEventArb, member, jsonString, (event, name, value) => {
        const sent = { ...event, process: { ...(event.process as Json), [name]: value } };
        const { result, stored } = ingestAndReadBack([sent]);
        const [refusal] = result.rejected;
        if (refusal) expect(refusal.reason).toContain(`process.${name}`);
        else expect((stored[0] as { process: Json }).process[name]).toBe(value);
      }),
      { numRuns: 300 },
    );
  });
});
