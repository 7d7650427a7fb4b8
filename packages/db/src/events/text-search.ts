import type Database from "better-sqlite3";
import { oncePer } from "../once-per";
import { Recent } from "./recent";

export class SearchWithoutWordsError extends Error {}

/** Whether a text search has a word to match (a letter or digit): the index holds words only. */
export const hasWords = (q: string) => /[\p{L}\p{N}]/u.test(q);

/**
 * A search as an FTS5 phrase: its words in order, quotes doubled so any input is a literal. A trailing `*` makes
 * the last word a prefix, on request only: FTS5 lists every word that starts with it before it can answer, which
 * costs tens of milliseconds for a short or common prefix, and rules out the quick per-program checks below.
 */
export type TextSearch = { phrase: string; prefix: boolean };

export function textSearch(q: string): TextSearch {
  if (!hasWords(q)) throw new SearchWithoutWordsError("text search needs a letter or digit");
  const prefix = /\*\s*$/.test(q);
  return { phrase: `"${q.replaceAll('"', '""')}"${prefix ? "*" : ""}`, prefix };
}

/** Past this many matching programs, or events, a text search walks events newest first instead of sorting. */
const BROAD_SEARCH_PROGRAMS = 1_000;
const BROAD_SEARCH_EVENTS = 50_000;

/** Whether the search matches more programs than gathering their events and sorting them suits. */
export function manyPrograms(sqlite: Database.Database, search: TextSearch): boolean {
  const programs = sqlite
    .prepare("SELECT count(*) FROM (SELECT rowid FROM programs_fts WHERE programs_fts MATCH ? LIMIT ?)")
    .pluck()
    .get(search.phrase, BROAD_SEARCH_PROGRAMS + 1) as number;
  return programs > BROAD_SEARCH_PROGRAMS;
}

/** Whether the search matches more events than gathering and sorting them suits. */
export function manyEvents(sqlite: Database.Database, search: TextSearch): boolean {
  const events = sqlite
    .prepare(
      `SELECT count(*) FROM (SELECT 1 FROM events WHERE program_id IN
         (SELECT rowid FROM programs_fts WHERE programs_fts MATCH ?) LIMIT ?)`,
    )
    .pluck()
    .get(search.phrase, BROAD_SEARCH_EVENTS + 1) as number;
  return events > BROAD_SEARCH_EVENTS;
}

/**
 * Whether a text search matches so many events that walking them newest first finds a page sooner than gathering
 * and sorting all of them (which suits a rarer word). Both counts stop at their threshold, so deciding is cheap.
 */
export const broadSearch = (sqlite: Database.Database, search: TextSearch): boolean =>
  manyPrograms(sqlite, search) || manyEvents(sqlite, search);

/**
 * Answers "does this event match the search" one program and one file at a time, each asked of FTS5 once
 * (a lookup by rowid in the word's list, tens of microseconds) and remembered: a word found in a third of all
 * command lines would otherwise have SQLite gather hundreds of thousands of program ids before the first page.
 * The answers are kept for the next pages and the next analysts (`answersFor`).
 */
export class SearchMatcher {
  private readonly programs: Map<bigint, boolean>;
  private readonly files: Map<bigint, boolean>;
  private readonly program: Database.Statement;
  private readonly file: Database.Statement;
  /** FTS5 look-ups made so far: the caller's budget. */
  lookups = 0;

  constructor(
    sqlite: Database.Database,
    private readonly search: TextSearch,
  ) {
    ({ programs: this.programs, files: this.files } = answersFor(sqlite, search.phrase));
    this.program = sqlite
      .prepare("SELECT 1 FROM programs_fts WHERE programs_fts MATCH ? AND rowid = ?")
      .pluck();
    this.file = sqlite.prepare("SELECT 1 FROM files_fts WHERE files_fts MATCH ? AND rowid = ?").pluck();
  }

  matches(programId: bigint, fileId: bigint | null): boolean {
    return (
      this.known(this.programs, this.program, programId) ||
      (fileId !== null && this.known(this.files, this.file, fileId))
    );
  }

  private known(seen: Map<bigint, boolean>, statement: Database.Statement, id: bigint): boolean {
    let found = seen.get(id);
    if (found === undefined) {
      found = statement.get(this.search.phrase, id) !== undefined;
      seen.set(id, found);
      this.lookups++;
    }
    return found;
  }
}

type Answers = { programs: Map<bigint, boolean>; files: Map<bigint, boolean> };

/** Searches whose answers a connection keeps, and the most answers kept for one (~50 bytes each). */
const KEPT_SEARCHES = 16;
const KEPT_ANSWERS = 200_000;
const keptSearches = oncePer((_: Database.Database) => new Recent<Answers>(KEPT_SEARCHES));

/**
 * What FTS5 answered for a search, program by program and file by file, kept per connection: a program or file row
 * never changes and its id is never reused (AUTOINCREMENT), so an answer holds for as long as the row exists. The
 * next page, the live tail and every analyst with the same search then ask FTS5 only about new rows. Inside a
 * transaction, which may see rows it will roll back, the answers are the query's own.
 */
function answersFor(sqlite: Database.Database, phrase: string): Answers {
  if (sqlite.inTransaction) return { programs: new Map(), files: new Map() };
  const searches = keptSearches(sqlite);
  let answers = searches.take(phrase);
  if (!answers || answers.programs.size + answers.files.size > KEPT_ANSWERS) {
    answers = { programs: new Map(), files: new Map() };
  }
  searches.keep(phrase, answers);
  return answers;
}
