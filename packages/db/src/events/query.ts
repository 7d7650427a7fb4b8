import type { EventType, Verdict, VigilEvent } from "@vigil/events";
import type Database from "better-sqlite3";
import { typeCodes, verdictCodes } from "./codes";
import { type EventRow, eventColumns, eventJoins, rowToEvent } from "./reader";

export type EventFilter = {
  sinceNs?: bigint;
  untilNs?: bigint;
  types?: EventType[];
  /** host.id (machine id) or host name */
  host?: string;
  pid?: number;
  verdicts?: Verdict[];
  uid?: number;
  /** a glob (`*`, `?`, `[...]`) over the process's executable path */
  exe?: string;
  /** a glob over the parent's executable path */
  parentExe?: string;
  /** text search over argv, paths and comm: words in this order, the last one possibly a prefix, any case */
  q?: string;
};

/** A position in (time, seq) order: the last row of the previous page. */
export type EventCursor = { timeNs: bigint; seq: bigint };

export type EventPage = { events: VigilEvent[]; next: EventCursor | null };

export class SearchWithoutWordsError extends Error {}

/** Whether a text search has a word to match (a letter or digit): the index holds words only. */
export const hasWords = (q: string) => /[\p{L}\p{N}]/u.test(q);

/** An FTS5 phrase whose last word may be a prefix; quotes are doubled so any input is a literal. */
const phrase = (q: string) => `"${q.replaceAll('"', '""')}"*`;

type Page = { limit: number; order: "asc" | "desc"; after?: EventCursor };

/** Past this many matching programs, or events, a text search walks events newest first instead of sorting. */
const BROAD_SEARCH_PROGRAMS = 1_000;
const BROAD_SEARCH_EVENTS = 50_000;

/**
 * Whether a text search matches so many events that walking them newest first finds a page sooner than gathering
 * and sorting all of them (which suits a rarer word). Both counts stop at their threshold, so deciding is cheap.
 */
function broadSearch(sqlite: Database.Database, q: string): boolean {
  const programs = sqlite
    .prepare("SELECT count(*) FROM (SELECT rowid FROM programs_fts WHERE programs_fts MATCH ? LIMIT ?)")
    .pluck()
    .get(phrase(q), BROAD_SEARCH_PROGRAMS + 1) as number;
  if (programs > BROAD_SEARCH_PROGRAMS) return true;
  const events = sqlite
    .prepare(
      `SELECT count(*) FROM (SELECT 1 FROM events WHERE program_id IN
         (SELECT rowid FROM programs_fts WHERE programs_fts MATCH ?) LIMIT ?)`,
    )
    .pluck()
    .get(phrase(q), BROAD_SEARCH_EVENTS + 1) as number;
  return events > BROAD_SEARCH_EVENTS;
}

/** The conditions (and their parameters) of a filter. */
function filterConditions(
  sqlite: Database.Database,
  filter: EventFilter,
): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.sinceNs !== undefined) {
    where.push("e.time_ns >= ?");
    params.push(filter.sinceNs);
  }
  if (filter.untilNs !== undefined) {
    where.push("e.time_ns < ?");
    params.push(filter.untilNs);
  }
  if (filter.types?.length) {
    where.push(`e.type IN (${filter.types.map(() => "?").join(", ")})`);
    params.push(...filter.types.map((t) => typeCodes[t]));
  }
  if (filter.host !== undefined) {
    // Resolved first: with one host id (the usual case) SQLite walks (host_id, time_ns) newest first.
    const ids = sqlite
      .prepare("SELECT id FROM hosts WHERE machine_id = ? OR name = ?")
      .pluck()
      .all(filter.host, filter.host) as number[];
    where.push(
      ids.length === 1 ? "e.host_id = ?" : `e.host_id IN (${ids.map(() => "?").join(", ") || "NULL"})`,
    );
    params.push(...ids);
  }
  if (filter.pid !== undefined) {
    where.push("e.pid = ?");
    params.push(filter.pid);
  }
  if (filter.verdicts?.length) {
    where.push(`e.verdict IN (${filter.verdicts.map(() => "?").join(", ")})`);
    params.push(...filter.verdicts.map((v) => verdictCodes[v]));
  }
  if (filter.uid !== undefined) {
    where.push("e.uid = ?");
    params.push(filter.uid);
  }
  if (filter.exe !== undefined) {
    where.push("e.program_id IN (SELECT id FROM programs WHERE exe GLOB ?)");
    params.push(filter.exe);
  }
  if (filter.parentExe !== undefined) {
    where.push("e.parent_id IN (SELECT id FROM programs WHERE exe GLOB ?)");
    params.push(filter.parentExe);
  }
  if (filter.q !== undefined) {
    if (!hasWords(filter.q)) throw new SearchWithoutWordsError("text search needs a letter or digit");
    // Many matches: a unary + keeps SQLite off the program and file indexes, so it walks the time index newest
    // first. Fewer: it gathers the matches from those indexes (which hold the time) and sorts them.
    const plus = broadSearch(sqlite, filter.q) ? "+" : "";
    where.push(`(${plus}e.program_id IN (SELECT rowid FROM programs_fts WHERE programs_fts MATCH ?)
      OR ${plus}e.file_id IN (SELECT rowid FROM files_fts WHERE files_fts MATCH ?))`);
    params.push(phrase(filter.q), phrase(filter.q));
  }
  return { where, params };
}

/** The WHERE clause (and its parameters) of a filter and a keyset position. */
function conditions(
  sqlite: Database.Database,
  filter: EventFilter,
  page: Page,
): { sql: string; params: unknown[] } {
  const { where, params } = filterConditions(sqlite, filter);
  const cmp = page.order === "desc" ? "<" : ">";
  if (page.after) {
    // The first term is a range on the time index; the second drops the rows of the cursor's own time already seen.
    where.push(`e.time_ns ${cmp}= ? AND (e.time_ns ${cmp} ? OR e.seq ${cmp} ?)`);
    params.push(page.after.timeNs, page.after.timeNs, page.after.seq);
  }
  const dir = page.order === "desc" ? "DESC" : "ASC";
  return {
    sql: `${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY e.time_ns ${dir}, e.seq ${dir} LIMIT ?`,
    params: [...params, page.limit],
  };
}

/**
 * Pages of events in time order with keyset pagination (never OFFSET): `order: "desc"` for newest first, "asc"
 * for oldest first; pass the returned `next` to continue.
 */
export function queryEvents(sqlite: Database.Database, filter: EventFilter, page: Page): EventPage {
  const { sql, params } = conditions(sqlite, filter, page);
  const dir = page.order === "desc" ? "DESC" : "ASC";
  // The page's rows are chosen from events alone (on its indexes), and only those rows are joined to their details.
  const rows = sqlite
    .prepare(
      `SELECT ${eventColumns} FROM (SELECT e.seq AS page_seq FROM events e ${sql}) page
       CROSS JOIN events e ON e.seq = page.page_seq ${eventJoins} ORDER BY e.time_ns ${dir}, e.seq ${dir}`,
    )
    .safeIntegers(true)
    .all(...params) as EventRow[];
  const last = rows.at(-1);
  return {
    events: rows.map(rowToEvent),
    next: last && rows.length === page.limit ? { timeNs: last.time_ns, seq: last.seq } : null,
  };
}

/** Where the newest `count` matching events begin: a cursor to read them oldest first (with order "asc"). */
export function newestStart(
  sqlite: Database.Database,
  filter: EventFilter,
  count: number,
): EventCursor | undefined {
  let after: EventCursor | undefined;
  let oldest: EventCursor | undefined;
  for (let left = count; left > 0; ) {
    const page = { order: "desc" as const, limit: Math.min(10_000, left), after };
    const { sql, params } = conditions(sqlite, filter, page);
    const keys = sqlite
      .prepare(`SELECT e.time_ns AS timeNs, e.seq AS seq FROM events e ${sql}`)
      .safeIntegers(true)
      .all(...params) as EventCursor[];
    oldest = keys.at(-1) ?? oldest;
    if (keys.length < page.limit) break;
    left -= keys.length;
    after = oldest;
  }
  // The cursor is exclusive: start just before the oldest of them.
  return oldest && { timeNs: oldest.timeNs, seq: oldest.seq - 1n };
}

/** The newest arrival number: where a live tail starts. */
export const lastSeq = (sqlite: Database.Database): bigint =>
  (sqlite.prepare("SELECT max(seq) FROM events").pluck().safeIntegers(true).get() as bigint | null) ?? 0n;

/** Matching events that arrived after `afterSeq`, in arrival order, with their arrival numbers. */
export function eventsArrivedAfter(
  sqlite: Database.Database,
  filter: EventFilter,
  afterSeq: bigint,
  limit: number,
): { seq: bigint; event: VigilEvent }[] {
  const { where, params } = filterConditions(sqlite, filter);
  where.push("e.seq > ?");
  const rows = sqlite
    .prepare(
      `SELECT ${eventColumns} FROM (SELECT e.seq AS page_seq FROM events e WHERE ${where.join(" AND ")}
       ORDER BY e.seq LIMIT ?) page CROSS JOIN events e ON e.seq = page.page_seq ${eventJoins} ORDER BY e.seq`,
    )
    .safeIntegers(true)
    .all(...params, afterSeq, limit) as EventRow[];
  return rows.map((row) => ({ seq: row.seq, event: rowToEvent(row) }));
}

/** Events by arrival number, newest first (those retention has deleted are left out). */
export function eventsBySeq(sqlite: Database.Database, seqs: bigint[]): { seq: bigint; event: VigilEvent }[] {
  if (seqs.length === 0) return [];
  const rows = sqlite
    .prepare(
      `SELECT ${eventColumns} FROM events e ${eventJoins} WHERE e.seq IN (${seqs.map(() => "?").join(", ")})
       ORDER BY e.seq DESC`,
    )
    .safeIntegers(true)
    .all(...seqs) as EventRow[];
  return rows.map((row) => ({ seq: row.seq, event: rowToEvent(row) }));
}
