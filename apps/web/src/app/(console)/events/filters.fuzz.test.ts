import { TRPCError } from "@trpc/server";
import { type Context, createCaller, SignInThrottle } from "@vigil/api";
import { EventWriter, SqliteEventStore } from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { eventTypes, verdicts, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ExplorerFilter,
  exactGlob,
  filterFromParams,
  listInput,
  paramsFromFilter,
  ranges,
} from "./filters";

const textKeys = ["since", "until", "host", "exe", "parentExe", "q"] as const;
const numberKeys = ["pid", "uid"] as const;
const paramNames = ["range", "type", "verdict", "sort", ...textKeys, ...numberKeys] as const;

const rfc3339ish = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    fraction: fc.constantFrom("", ".5", ".123456789", ".1234567890"),
    zone: fc.constantFrom("Z", "z", "+02:00", "-23:59", "+24:00", ""),
  })
  .map(({ year, month, day, fraction, zone }) => {
    const two = (n: number) => String(n).padStart(2, "0");
    return `${String(year).padStart(4, "0")}-${two(month)}-${two(day)}T10:00:00${fraction}${zone}`;
  });
const numberText = fc.oneof(
  fc.constantFrom("0", "-0", "+5", " 12 ", "0x10", "1e3", "1.5", "12.0", "Infinity", "NaN", "00042", "-1"),
  fc.constantFrom("4294967295", "4294967296", "9007199254740993", "1e21"),
  fc.nat().map(String),
);
const listText = (names: readonly string[]) =>
  fc
    .array(
      fc.oneof(fc.constantFrom(...names, "", " exec", "EXEC", "teleport"), fc.string({ maxLength: 4 })),
      {
        maxLength: 8,
      },
    )
    .map((items) => items.join(","));
const anyText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.constantFrom("", " ", "\t\n", "!!", '"', "*", "/usr/bin/*", "curl", " a b ", "%", "x".repeat(1100)),
);
const valueFor: Record<(typeof paramNames)[number], fc.Arbitrary<string>> = {
  range: fc.oneof(fc.constantFrom(...ranges, "ALL", "2h", ""), anyText),
  type: listText(eventTypes),
  verdict: listText(verdicts),
  sort: fc.constantFrom("oldest", "newest", "OLDEST", ""),
  since: fc.oneof(rfc3339ish, anyText),
  until: fc.oneof(rfc3339ish, anyText),
  host: anyText,
  exe: anyText,
  parentExe: anyText,
  q: anyText,
  pid: fc.oneof(numberText, anyText),
  uid: fc.oneof(numberText, anyText),
};
const pair = fc.oneof(
  fc
    .constantFrom(...paramNames)
    .chain((name) => valueFor[name].map((value): [string, string] => [name, value])),
  fc.tuple(fc.string({ maxLength: 5 }), anyText),
);
/** Only a custom range sends its own times: such links come often. */
const customRange = fc.tuple(rfc3339ish, rfc3339ish).map(([since, until]): [string, string][] => [
  ["range", "custom"],
  ["since", since],
  ["until", until],
]);
/** A query string as a hand-edited or stale link may have it: known and unknown names, repeated, any value. */
const searchParams = fc
  .tuple(fc.option(customRange), fc.array(pair, { maxLength: 8 }))
  .map(([custom, pairs]) => new URLSearchParams([...(custom ?? []), ...pairs]));

const asJson = (filter: ExplorerFilter) => JSON.parse(JSON.stringify(filter));

/** What an ExplorerFilter may hold, whatever the URL said. */
function expectWithinItsTypes(filter: ExplorerFilter): void {
  expect(ranges).toContain(filter.range);
  for (const type of filter.types) expect(eventTypes).toContain(type);
  for (const verdict of filter.verdicts) expect(verdicts).toContain(verdict);
  for (const key of textKeys) {
    const value = filter[key];
    if (value !== undefined)
      expect(value !== "" && value === value.trim(), `${key}: ${JSON.stringify(value)}`).toBe(true);
  }
  for (const key of numberKeys) {
    const value = filter[key];
    if (value !== undefined) expect(Number.isInteger(value) && value >= 0, `${key}: ${value}`).toBe(true);
  }
  expect([undefined, true]).toContain(filter.oldestFirst);
}

describe("filterFromParams", () => {
  it("reads any query string into allowed values, and writing that back reads the same", () => {
    fc.assert(
      fc.property(searchParams, (params) => {
        const filter = filterFromParams(params);
        expectWithinItsTypes(filter);
        const written = paramsFromFilter(filter);
        // as JSON: "pid=-0" reads as -0 and is written back as 0, the same pid
        expect(asJson(filterFromParams(written))).toEqual(asJson(filter));
        expect(paramsFromFilter(filterFromParams(written)).toString()).toBe(written.toString());
      }),
      { numRuns: 3000 },
    );
  });

  it("gives back any filter it wrote, through the URL's text", () => {
    const text = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).map((t) => t.trim());
    const filter: fc.Arbitrary<ExplorerFilter> = fc.record(
      {
        range: fc.constantFrom(...ranges),
        types: fc.subarray([...eventTypes]),
        verdicts: fc.subarray([...verdicts]),
        oldestFirst: fc.constant(true),
        since: text,
        until: text,
        host: text,
        exe: text,
        parentExe: text,
        q: text,
        pid: fc.nat({ max: 0xffffffff }),
        uid: fc.nat({ max: 0xffffffff }),
      },
      { requiredKeys: ["range", "types", "verdicts"] },
    );
    fc.assert(
      fc.property(filter, (f) => {
        const written = Object.fromEntries(Object.entries(f).filter(([, value]) => value !== ""));
        const url = `/events?${paramsFromFilter(f)}`;
        expect(filterFromParams(new URL(url, "http://vigil.test").searchParams)).toEqual(written);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("exactGlob", () => {
  const sqlite = new Database(":memory:");
  const globs = sqlite.prepare<[string, string], number>("SELECT ? GLOB ?").pluck();
  afterAll(() => sqlite.close());

  it("matches the path it was made from and nothing else, in SQLite", () => {
    const pathText = fc
      .string({
        unit: fc.oneof(
          fc.constantFrom(..."/*?[]^-!\\%_'\" a"),
          fc.string({ unit: "grapheme", maxLength: 1 }),
        ),
      })
      .filter((p) => !p.includes("\0"));
    fc.assert(
      fc.property(pathText, pathText, (path, other) => {
        expect(globs.get(path, exactGlob(path))).toBe(1);
        expect(globs.get(other, exactGlob(path))).toBe(other === path ? 1 : 0);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("the explorer's query, from any link, at the events.list procedure", () => {
  let t: ReturnType<typeof testStore>;
  let caller: ReturnType<typeof createCaller>;
  beforeAll(() => {
    t = testStore();
    const writer = new EventWriter(t.store.sqlite);
    for (const [i, type] of eventTypes.entries())
      writer.insert(t.hostId, vigilEventSchema.parse({ ...validEvent(type), id: `e${i}` }));
    const context: Context = {
      store: t.store,
      events: new SqliteEventStore(t.store),
      actor: { kind: "user", userId: 1, name: "ana", role: "viewer", sessionId: "0" },
      source: null,
      throttle: new SignInThrottle(),
      sessionCookie: { set: () => {}, clear: () => {} },
    };
    caller = createCaller(context);
  });
  afterAll(() => t.cleanup());

  /** The input members a link's parameter becomes (the URL's `type` is the input's `types`, and so on). */
  const inputNames: Record<string, string[]> = {
    type: ["types"],
    verdict: ["verdicts"],
    since: ["since"],
    until: ["until"],
    host: ["host"],
    pid: ["pid"],
    uid: ["uid"],
    exe: ["exe"],
    parentExe: ["parentExe"],
    q: ["q"],
  };

  it("lists events, or refuses with a 400 that names the parameter; never a server error", async () => {
    await fc.assert(
      fc.asyncProperty(searchParams, async (params) => {
        const filter = filterFromParams(params);
        try {
          const page = await caller.events.list(listInput(filter, Date.parse("2026-11-29T12:00:00Z")));
          expect(Array.isArray(page.events)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(TRPCError);
          expect((error as TRPCError).code).toBe("BAD_REQUEST");
          const named = Object.entries(inputNames).filter(([, names]) =>
            names.some((name) => (error as TRPCError).message.includes(`"${name}"`)),
          );
          expect(named.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
