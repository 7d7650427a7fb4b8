import { type EventType, eventTypes, type Verdict, verdicts, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import type Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testStore } from "../test-store";
import { type EventFilter, queryEvents } from "./query";
import { hasWords, SearchWithoutWordsError } from "./text-search";
import { EventWriter } from "./writer";

/** SQLite's GLOB written out plainly: `*` any run, `?` one character, `[...]` a set (`^` negates, `a-z` is a range,
 * a first `]` is literal), by code point and case-sensitive; an unclosed `[` matches nothing. */
function sqliteGlob(pattern: string, text: string): boolean {
  const p = Array.from(pattern);
  const s = Array.from(text);
  const cp = (c: string) => c.codePointAt(0) as number;
  const match = (pi: number, si: number): boolean => {
    while (pi < p.length) {
      const c = p[pi] as string;
      if (c === "*") {
        while (p[pi] === "*") pi++;
        if (pi === p.length) return true;
        for (let k = si; k <= s.length; k++) if (match(pi, k)) return true;
        return false;
      }
      if (si >= s.length) return false;
      const ch = s[si] as string;
      if (c === "[") {
        let i = pi + 1;
        let invert = false;
        let seen = false;
        let prior: string | null = null;
        if (p[i] === "^") {
          invert = true;
          i++;
        }
        if (p[i] === "]") {
          seen = ch === "]";
          i++;
        }
        while (i < p.length && p[i] !== "]") {
          const next = p[i + 1];
          if (p[i] === "-" && prior !== null && next !== undefined && next !== "]") {
            if (cp(ch) >= cp(prior) && cp(ch) <= cp(next)) seen = true;
            prior = null;
            i += 2;
          } else {
            if (p[i] === ch) seen = true;
            prior = p[i] as string;
            i++;
          }
        }
        if (i >= p.length || seen === invert) return false;
        pi = i + 1;
      } else if (c !== "?" && c !== ch) return false;
      else pi++;
      si++;
    }
    return si === s.length;
  };
  return match(0, 0);
}

/** Words as FTS5's default tokenizer sees them: runs of letters and digits, lower-cased, accents removed. */
const words = (text: string) =>
  (text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu) ?? []) as string[];

/** A text search as query.ts runs it: the words of `q` in order in one column; a trailing `*` makes the last a prefix. */
function searchMatches(q: string, columns: string[]): boolean {
  const phrase = words(q);
  const prefix = /\*\s*$/.test(q);
  return columns.some((column) => {
    const tokens = words(column);
    for (let start = 0; start + phrase.length <= tokens.length; start++) {
      const fits = phrase.every((word, i) => {
        const token = tokens[start + i] as string;
        return prefix && i === phrase.length - 1 ? token.startsWith(word) : token === word;
      });
      if (fits) return true;
    }
    return false;
  });
}

const hosts = [
  { machineId: "host-7f3a", name: "web-1" }, // the test store's own
  { machineId: "m-2", name: "web-1" },
  { machineId: "web-1", name: "db-1" },
];
const BASE_NS = 1_795_000_000_000_000_000n;

type Seeded = {
  type: EventType;
  host: number;
  second: number;
  nanos: number;
  verdict: Verdict;
  pid: number;
  uid: number;
  comm: string;
  exe: string;
  filename: string;
  argv: string[];
  cwd: string;
  parentExe: string;
  filePath: string;
};
type Stored = Seeded & { id: string; seq: bigint; timeNs: bigint };

const vocabulary =
  "usr bin sbin curl Curl CURL cur common tmp x a.b v2 é É 中 * ? [ ] [a] % _ ' \" \\ - ^ ( ) NEAR AND OR";
const segment = fc.constantFrom(...vocabulary.split(" "), " ", "");
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join("/")}`);
const someText = fc.array(fc.oneof(segment, path), { maxLength: 3 }).map((parts) => parts.join(" "));
const seeded: fc.Arbitrary<Seeded> = fc.record({
  type: fc.constantFrom(...eventTypes),
  host: fc.integer({ min: 0, max: hosts.length - 1 }),
  second: fc.integer({ min: 0, max: 40 }),
  nanos: fc.constantFrom(0, 1, 999_999_999),
  verdict: fc.constantFrom(...verdicts),
  pid: fc.constantFrom(1, 42, 4242, 0xffffffff),
  uid: fc.constantFrom(0, 1000, 0x7fffffff, 0xffffffff),
  comm: someText,
  exe: path,
  filename: fc.oneof(path, someText),
  argv: fc.array(someText, { maxLength: 3 }),
  cwd: path,
  parentExe: path,
  filePath: path,
});

function utc(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** Hosts, then the events, written the way the ingest path writes them. */
function seed(sqlite: Database.Database, writer: EventWriter, events: Seeded[]): Stored[] {
  const addHost = sqlite.prepare(
    "INSERT OR IGNORE INTO hosts (machine_id, name, first_seen_ms, last_seen_ms) VALUES (?, ?, 0, 0)",
  );
  for (const h of hosts) addHost.run(h.machineId, h.name);
  const hostIds = hosts.map(
    (h) => sqlite.prepare("SELECT id FROM hosts WHERE machine_id = ?").pluck().get(h.machineId) as number,
  );
  return events.map((s, i) => {
    const timeNs = BASE_NS + BigInt(s.second) * 1_000_000_000n + BigInt(s.nanos);
    const fixture = validEvent(s.type) as { process: object; parent?: object; file?: object };
    const id = `ev-${i}`;
    const event = vigilEventSchema.parse({
      ...fixture,
      id,
      time: utc(timeNs),
      verdict: s.verdict,
      process: {
        ...fixture.process,
        pid: s.pid,
        uid: s.uid,
        comm: s.comm,
        exe: s.exe,
        filename: s.filename,
        argv: s.argv,
        cwd: s.cwd,
      },
      ...(fixture.parent ? { parent: { ...fixture.parent, exe: s.parentExe } } : {}),
      ...(fixture.file ? { file: { ...fixture.file, path: s.filePath } } : {}),
    });
    const seq = BigInt(writer.insert(hostIds[s.host] as number, event));
    return { ...s, id, seq, timeNs };
  });
}

const hasParent = (type: EventType) => type === "exec" || type === "fork";
const hasFile = (type: EventType) => type === "exec" || type === "unlink_running";

/** The events a filter selects, in the page order: a plain reading of EventFilter's documentation. */
function reference(events: Stored[], filter: EventFilter, order: "asc" | "desc"): string[] {
  const selected = events.filter((e) => {
    const host = hosts[e.host] as (typeof hosts)[number];
    return (
      (filter.sinceNs === undefined || e.timeNs >= filter.sinceNs) &&
      (filter.untilNs === undefined || e.timeNs < filter.untilNs) &&
      (!filter.types?.length || filter.types.includes(e.type)) &&
      (filter.host === undefined || host.machineId === filter.host || host.name === filter.host) &&
      (filter.pid === undefined || e.pid === filter.pid) &&
      (!filter.verdicts?.length || filter.verdicts.includes(e.verdict)) &&
      (filter.uid === undefined || e.uid === filter.uid) &&
      (filter.exe === undefined || sqliteGlob(filter.exe, e.exe) || sqliteGlob(filter.exe, e.filename)) &&
      (filter.parentExe === undefined || (hasParent(e.type) && sqliteGlob(filter.parentExe, e.parentExe))) &&
      (filter.q === undefined ||
        searchMatches(filter.q, [
          e.comm,
          e.exe,
          e.filename,
          e.argv.join(" "),
          e.cwd,
          ...(hasFile(e.type) ? [e.filePath] : []),
        ]))
    );
  });
  const sign = order === "asc" ? 1 : -1;
  selected.sort(
    (a, b) => sign * (a.timeNs === b.timeNs ? Number(a.seq - b.seq) : a.timeNs < b.timeNs ? -1 : 1),
  );
  return selected.map((e) => e.id);
}

/** Up to four pages, each continuing from the last one's `next`. */
function readPages(sqlite: Database.Database, filter: EventFilter, order: "asc" | "desc", limit: number) {
  const ids: string[] = [];
  let after: { timeNs: bigint; seq: bigint } | undefined;
  for (let page = 0; page < 4; page++) {
    const { events, next } = queryEvents(sqlite, filter, { order, limit, after });
    ids.push(...events.map((e) => e.id));
    expect(events.length).toBeLessThanOrEqual(limit);
    if (events.length < limit) {
      expect(next).toBeNull();
      return { ids, complete: true };
    }
    expect(next).not.toBeNull();
    after = next ?? undefined;
  }
  return { ids, complete: false };
}

const piece = fc.constantFrom(..."* ? [ ] [a-z] [^a] []] [*] [?] [[] [a-] [-a] / % _".split(" "));
const glob = fc.array(fc.oneof(piece, segment), { maxLength: 6 }).map((parts) => parts.join(""));
const ftsSyntax = fc.constantFrom(...'" "" * ( ) NEAR NEAR( AND OR NOT - ^ : + { } ,'.split(" "));
const search = fc
  .array(fc.tuple(fc.oneof(ftsSyntax, segment), fc.constantFrom(" ", "", "\t")), {
    minLength: 1,
    maxLength: 5,
  })
  .map((parts) => parts.flat().join(""));
const timeBound = fc.oneof(
  fc.integer({ min: -1, max: 42 }).map((second) => BASE_NS + BigInt(second) * 1_000_000_000n),
  fc.bigInt({ min: BASE_NS - 1n, max: BASE_NS + 1n }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);
const randomFilter = fc.record({
  sinceNs: timeBound,
  untilNs: timeBound,
  types: fc.subarray([...eventTypes]),
  host: fc.oneof(fc.constantFrom(...hosts.flatMap((h) => [h.machineId, h.name]), "nope"), fc.string()),
  pid: fc.oneof(fc.constantFrom(1, 42, 4242, 0xffffffff), fc.nat({ max: 0xffffffff })),
  verdicts: fc.subarray([...verdicts]),
  uid: fc.oneof(fc.constantFrom(0, 1000, 0x7fffffff, 0xffffffff), fc.nat({ max: 0xffffffff })),
  exe: glob,
  parentExe: glob,
  q: search,
});
const filterKeys = [
  "sinceNs",
  "untilNs",
  "types",
  "host",
  "pid",
  "verdicts",
  "uid",
  "exe",
  "parentExe",
  "q",
] as const;

/** Up to three conditions, each either random or taken from a stored event so that filters also select something. */
const filterPlan = fc.record({
  keys: fc.subarray([...filterKeys], { maxLength: 3 }),
  search: fc.boolean(),
  random: randomFilter,
  fromEvent: fc.array(fc.option(fc.record({ event: fc.nat(), pick: fc.nat(), cut: fc.nat() })), {
    minLength: filterKeys.length,
    maxLength: filterKeys.length,
  }),
});
type FilterPlan = typeof filterPlan extends fc.Arbitrary<infer P> ? P : never;

const literalGlob = (text: string) => text.replace(/[*?[]/g, (c) => `[${c}]`);

/** A glob that `text` matches: itself, a prefix and `*`, or one character as `?` or a set. */
function globOf(text: string, pick: number, cut: number): string {
  const chars = Array.from(text);
  const at = cut % (chars.length + 1);
  const head = literalGlob(chars.slice(0, at).join(""));
  const tail = literalGlob(chars.slice(at + 1).join(""));
  const char = chars[at];
  if (char === undefined || pick % 4 === 0) return `${head}*`;
  if (pick % 4 === 1) return `${head}?${tail}`;
  if (pick % 4 === 2) return `${head}[${char === "]" ? "]" : `x${literalGlob(char)}`}]${tail}`;
  return literalGlob(text);
}

/** A phrase cut from the words of one of the event's searched texts: whole, its last word cut short and marked as a
 * prefix with `*`, or cut short without it (then it must match that short word only). */
function searchOf(e: Stored, pick: number, cut: number): string | undefined {
  const columns = [e.comm, e.exe, e.filename, e.argv.join(" "), e.cwd, e.filePath];
  const tokens = words(columns[pick % columns.length] as string);
  if (tokens.length === 0) return undefined;
  const start = cut % tokens.length;
  const phrase = tokens.slice(start, start + 1 + (pick % 3));
  const separator = [" ", "-", "/", '"', "(", " AND ", "*"][cut % 7] as string;
  if (pick % 3 === 0) return phrase.join(separator);
  const last = phrase.pop() as string;
  const short = [...phrase, last.slice(0, 1 + (cut % last.length))].join(separator);
  return pick % 3 === 1 ? `${short}*` : short;
}

/** Values of each filter an event meets (its times: meets or just misses). */
function valuesOf(e: Stored, pick: number, cut: number): Required<EventFilter> {
  const host = hosts[e.host] as (typeof hosts)[number];
  return {
    sinceNs: e.timeNs + BigInt((cut % 3) - 1),
    untilNs: e.timeNs + BigInt(cut % 2),
    types: [e.type],
    host: pick % 2 ? host.machineId : host.name,
    pid: e.pid,
    verdicts: [e.verdict],
    uid: e.uid,
    exe: globOf(pick % 3 ? e.exe : e.filename, pick, cut),
    parentExe: globOf(e.parentExe, pick, cut),
    q: searchOf(e, pick, cut) ?? "",
  };
}

function resolveFilter(plan: FilterPlan, events: Stored[]): EventFilter {
  const filter: EventFilter = {};
  const keys = plan.search && !plan.keys.includes("q") ? [...plan.keys, "q" as const] : plan.keys;
  for (const key of keys) {
    const from = plan.fromEvent[filterKeys.indexOf(key)];
    const e = from ? events[from.event % events.length] : undefined;
    const derived = e && from ? valuesOf(e, from.pick, from.cut)[key] : undefined;
    Object.assign(filter, { [key]: derived === "" || derived === undefined ? plan.random[key] : derived });
  }
  return filter;
}

type Page = { order: "asc" | "desc"; limit: number };
const pageArb: fc.Arbitrary<Page> = fc.record({
  order: fc.constantFrom("asc" as const, "desc" as const),
  limit: fc.integer({ min: 1, max: 60 }),
});

/** The filter's pages, or the documented refusal of a search without words; never an SQLite error. */
function expectPagesAsReference(
  sqlite: Database.Database,
  events: Stored[],
  filter: EventFilter,
  page: Page,
) {
  if (filter.q !== undefined && !hasWords(filter.q)) {
    expect(() => queryEvents(sqlite, filter, page)).toThrow(SearchWithoutWordsError);
    return;
  }
  const expected = reference(events, filter, page.order);
  const { ids, complete } = readPages(sqlite, filter, page.order, page.limit);
  expect(ids).toEqual(complete ? expected : expected.slice(0, ids.length));
}

describe("queryEvents against a plain reading of its filter", () => {
  let store: ReturnType<typeof testStore>;
  let writer: EventWriter;
  beforeAll(() => {
    store = testStore();
    writer = new EventWriter(store.store.sqlite);
  });
  afterAll(() => store.cleanup());

  it("selects exactly the reference's events, page after page, on any small store", () => {
    const { sqlite } = store.store;
    fc.assert(
      fc.property(fc.array(seeded, { maxLength: 40 }), filterPlan, pageArb, (events, plan, page) => {
        // Each run's events live in a transaction rolled back after it: every run sees only its own.
        sqlite.exec("BEGIN");
        try {
          const stored = seed(sqlite, writer, events);
          expectPagesAsReference(sqlite, stored, resolveFilter(plan, stored), page);
        } finally {
          sqlite.exec("ROLLBACK");
          writer.forgetIds();
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("selects the same on a store where a word is in over a thousand programs (the walking search)", () => {
    const { sqlite } = store.store;
    // The store is the fixture, fixed so that a failure replays; the filters vary from run to run.
    // Every eighth program lacks the word: those events match only by another column or by their file's path.
    const many = fc
      .sample(seeded, { numRuns: 1_400, seed: 20_261_129 })
      .map((s, i) => (i % 8 === 0 ? s : { ...s, argv: [...s.argv, "common"] }));
    sqlite.exec("BEGIN");
    try {
      const events = seed(sqlite, writer, many);
      fc.assert(
        fc.property(filterPlan, fc.boolean(), pageArb, (plan, common, page) => {
          const filter = resolveFilter(plan, events);
          expectPagesAsReference(sqlite, events, common ? { ...filter, q: "common" } : filter, page);
        }),
        { numRuns: 300 },
      );
    } finally {
      sqlite.exec("ROLLBACK");
      writer.forgetIds();
    }
  });
});
