import type { EventType, Verdict, VigilEvent } from "@vigil/events";
import type Database from "better-sqlite3";
import { typeCodes, verdictCodes } from "./codes";
import { type GlobOver, programGlobs } from "./program-globs";
import { type EventRow, eventColumns, eventJoins, rowToEvent } from "./reader";
import {
  broadSearch,
  manyEvents,
  manyPrograms,
  SearchMatcher,
  type TextSearch,
  textSearch,
} from "./text-search";

export type EventFilter = {
  sinceNs?: bigint;
  untilNs?: bigint;
  types?: EventType[];
  /** host.id (machine id) or host name */
  host?: string;
  pid?: number;
  verdicts?: Verdict[];
  uid?: number;
  /** a glob (`*`, `?`, `[...]`) over the process's executable path, or its filename as exec was given it */
  exe?: string;
  /** a glob over the parent's executable path */
  parentExe?: string;
  /** text search over argv, paths and comm: words in this order, any case; a trailing `*` makes the last a prefix */
  q?: string;
};

/** A position in (time, seq) order: the last row of the previous page. */
export type EventCursor = { timeNs: bigint; seq: bigint };

/** A page of events and, for each, when it reached the server (ms, to the second; null before that was kept). */
export type EventPage = { events: VigilEvent[]; receivedMs: (number | null)[]; next: EventCursor | null };

export type Page = { limit: number; order: "asc" | "desc"; after?: EventCursor };

type Conditions = { where: string[]; params: unknown[] };

/** The conditions (and their parameters) of a filter; `broad` when the caller already knows how a search is run. */
function filterConditions(sqlite: Database.Database, filter: EventFilter, broad?: boolean): Conditions {
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
    const [condition, ...values] = programsMatching(sqlite, "e.program_id", "exe or filename", filter.exe);
    where.push(condition);
    params.push(...values);
  }
  if (filter.parentExe !== undefined) {
    const [condition, ...values] = programsMatching(sqlite, "e.parent_id", "exe", filter.parentExe);
    where.push(condition);
    params.push(...values);
  }
  if (filter.q !== undefined) {
    const search = textSearch(filter.q);
    // Many matches: a unary + keeps SQLite off the program and file indexes, so it walks the time index newest
    // first. Fewer: it gathers the matches from those indexes (which hold the time) and sorts them.
    const plus = (broad ?? broadSearch(sqlite, search)) ? "+" : "";
    where.push(`(${plus}e.program_id IN (SELECT rowid FROM programs_fts WHERE programs_fts MATCH ?)
      OR ${plus}e.file_id IN (SELECT rowid FROM files_fts WHERE files_fts MATCH ?))`);
    params.push(search.phrase, search.phrase);
  }
  return { where, params };
}

/** The condition that `column` names a program whose paths match `glob`, and its parameters. */
function programsMatching(
  sqlite: Database.Database,
  column: string,
  over: GlobOver,
  glob: string,
): [string, ...unknown[]] {
  const ids = programGlobs(sqlite).matching(over, glob);
  if (ids) return [`${column} IN (SELECT value FROM json_each(?))`, JSON.stringify([...ids])];
  // Too many to remember: matched in SQL, every time.
  return over === "exe"
    ? [`${column} IN (SELECT id FROM programs WHERE exe GLOB ?)`, glob]
    : [`${column} IN (SELECT id FROM programs WHERE exe GLOB ? OR filename GLOB ?)`, glob, glob];
}

/** The WHERE clause (and its parameters) of a filter and a keyset position. */
function conditions(
  sqlite: Database.Database,
  filter: EventFilter,
  page: Page,
): { sql: string; params: unknown[] } {
  return paged(filterConditions(sqlite, filter), page);
}

/** A filter's conditions with a keyset position, order and limit. */
function paged(filter: Conditions, page: Page): { sql: string; params: unknown[] } {
  const where = [...filter.where];
  const params = [...filter.params];
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
  const dir = page.order === "desc" ? "DESC" : "ASC";
  // The page's rows are chosen from events alone (on its indexes), and only those rows are joined to their details.
  const rows = sqlite
    .prepare(
      `SELECT ${eventColumns} FROM events e ${eventJoins} WHERE e.seq IN (SELECT value FROM json_each(?))
       ORDER BY e.time_ns ${dir}, e.seq ${dir}`,
    )
    .safeIntegers(true)
    .all(`[${pageSeqs(sqlite, filter, page).join(",")}]`) as EventRow[];
  const last = rows.at(-1);
  const arrival = sqlite
    .prepare("SELECT received_ms FROM arrivals WHERE seq <= ? ORDER BY seq DESC LIMIT 1")
    .pluck();
  return {
    events: rows.map(rowToEvent),
    receivedMs: rows.map((row) => (arrival.get(row.seq) as number | undefined) ?? null),
    next: last && rows.length === page.limit ? { timeNs: last.time_ns, seq: last.seq } : null,
  };
}

/** Rows a walk reads per step. */
const WALK_STEP = 250;
/** The FTS5 look-ups a search walk may make (each 20-150 us), and the rows a glob walk may read (each ~1 us). */
const WALK_LOOKUPS = 1_000;
const WALK_ROWS = 10_000;

/** The arrival numbers of a page's events, in page order. */
function pageSeqs(sqlite: Database.Database, filter: EventFilter, page: Page): bigint[] {
  let broad: boolean | undefined;
  if (filter.q !== undefined) {
    const search = textSearch(filter.q);
    const many = manyPrograms(sqlite, search);
    if (many && !search.prefix) return walk(sqlite, filter, searchWalk(sqlite, filter, search), page);
    broad = many || manyEvents(sqlite, search);
  } else {
    const globs = globWalk(sqlite, filter);
    if (globs) return walk(sqlite, filter, globs, page);
  }
  const { sql, params } = paged(filterConditions(sqlite, filter, broad), page);
  return sqlite
    .prepare(`SELECT e.seq FROM events e ${sql}`)
    .pluck()
    .safeIntegers(true)
    .all(...params) as bigint[];
}

/**
 * How a walk keeps events: the filter's other conditions, on which it reads events in the page's order; the check
 * of each row; and whether finding `more` after `read` rows gave `found` costs more than SQLite's plan.
 */
type Walk = {
  others: EventFilter;
  keeps(programId: bigint, fileId: bigint | null, parentId: bigint | null): boolean;
  tooRare(read: number, found: number, more: number): boolean;
};

/**
 * A search whose words are in many programs: an event is kept when its program or file matches. Gathering the
 * events of every matching program and sorting them is what SQLite's plan would do.
 */
function searchWalk(sqlite: Database.Database, filter: EventFilter, search: TextSearch): Walk {
  const { q: _, ...others } = filter;
  const matcher = new SearchMatcher(sqlite, search);
  return {
    others,
    keeps: (programId, fileId) => matcher.matches(programId, fileId),
    tooRare: (_read, found, more) =>
      (more * matcher.lookups) / Math.max(found, 1) > WALK_LOOKUPS - matcher.lookups,
  };
}

/**
 * Executable globs, checked against the programs they matched (program-globs.ts). A command line is a program, so a
 * glob may match tens of thousands (`/usr/bin/python*`: 33,500 on a store of 4M events), whose events SQLite would
 * gather from the program index and sort: 16 ms a page there, against ~1 ms to read events newest first and check
 * each. Null when a glob matches too many programs to be kept: SQLite matches them.
 */
function globWalk(sqlite: Database.Database, filter: EventFilter): Walk | null {
  if (filter.exe === undefined && filter.parentExe === undefined) return null;
  const { exe, parentExe, ...others } = filter;
  const globs = programGlobs(sqlite);
  const programs = exe === undefined ? undefined : globs.matching("exe or filename", exe);
  const parents = parentExe === undefined ? undefined : globs.matching("exe", parentExe);
  if (programs === null || parents === null) return null;
  return {
    others,
    keeps: (programId, _fileId, parentId) =>
      (programs === undefined || programs.has(Number(programId))) &&
      (parents === undefined || (parentId !== null && parents.has(Number(parentId)))),
    tooRare: (read, found, more) => read + (more * read) / Math.max(found, 1) > WALK_ROWS,
  };
}

/**
 * Reads events in the page's order on the other filters' indexes, and keeps those `how` keeps. Where matches are
 * too rare for its budget, SQLite's plan finishes the page from where the walk stopped.
 */
function walk(sqlite: Database.Database, filter: EventFilter, how: Walk, page: Page): bigint[] {
  const othersOnly = filterConditions(sqlite, how.others);
  const seqs: bigint[] = [];
  let after = page.after;
  let read = 0;
  for (;;) {
    const { sql, params } = paged(othersOnly, { order: page.order, limit: WALK_STEP, after });
    const rows = sqlite
      .prepare(`SELECT e.seq, e.time_ns, e.program_id, e.file_id, e.parent_id FROM events e ${sql}`)
      .raw()
      .safeIntegers(true)
      .all(...params) as [bigint, bigint, bigint, bigint | null, bigint | null][];
    for (const [seq, timeNs, programId, fileId, parentId] of rows) {
      after = { timeNs, seq };
      if (how.keeps(programId, fileId, parentId) && seqs.push(seq) === page.limit) return seqs;
    }
    if (rows.length < WALK_STEP) return seqs;
    read += rows.length;
    if (how.tooRare(read, seqs.length, page.limit - seqs.length)) {
      const rest = paged(filterConditions(sqlite, filter, true), {
        order: page.order,
        limit: page.limit - seqs.length,
        after,
      });
      const more = sqlite.prepare(`SELECT e.seq FROM events e ${rest.sql}`).pluck().safeIntegers(true);
      return [...seqs, ...(more.all(...rest.params) as bigint[])];
    }
  }
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
