import type Database from "better-sqlite3";
import { oncePer } from "../once-per";

/** Which paths of a program a glob is matched against. */
export type GlobOver = "exe" | "exe or filename";

/** Globs remembered per connection, and the most programs one may match to be remembered (an id is 8 bytes). */
const MAX_GLOBS = 64;
const MAX_REMEMBERED = 100_000;

type Matches = { scannedTo: number; ids: Set<number> };

/**
 * The programs whose paths match a glob, remembered and brought up to date with the programs stored since: a
 * program row never changes and ids only grow (AUTOINCREMENT), so the matches are those found before plus those
 * among the new rows. Matching every program instead costs ~9 ms a query on a million-event store (~50 under
 * ingest, when every query starts on a cold cache), for each page, live-tail poll and analyst using that filter.
 * Ids of programs that retention deleted since may stay: no event names them. Inside a transaction of its own
 * connection, which may see rows it will roll back, nothing is remembered.
 */
export class ProgramGlobs {
  private readonly globs = new Map<string, Matches>(); // least recently used first
  private readonly newest: Database.Statement;
  private readonly scans: Record<GlobOver, Database.Statement>;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly maxRemembered = MAX_REMEMBERED,
  ) {
    this.newest = sqlite.prepare("SELECT max(id) FROM programs").pluck();
    const range = "id > ? AND id <= ?";
    this.scans = {
      exe: sqlite.prepare(`SELECT id FROM programs WHERE ${range} AND exe GLOB ?`).pluck(),
      "exe or filename": sqlite
        .prepare(`SELECT id FROM programs WHERE ${range} AND (exe GLOB ? OR filename GLOB ?)`)
        .pluck(),
    };
  }

  /** The ids of the programs matching `glob`, or null when there are too many to keep. */
  matching(over: GlobOver, glob: string): ReadonlySet<number> | null {
    if (this.sqlite.inTransaction) return this.scan(over, glob, { scannedTo: 0, ids: new Set() });
    const key = `${over}\0${glob}`;
    const matches = this.globs.get(key) ?? { scannedTo: 0, ids: new Set() };
    this.globs.delete(key);
    if (!this.scan(over, glob, matches)) return null;
    this.globs.set(key, matches);
    if (this.globs.size > MAX_GLOBS) this.globs.delete(this.globs.keys().next().value as string);
    return matches.ids;
  }

  /** Adds the matches among the programs after `matches.scannedTo`; its ids, or null past the most kept. */
  private scan(over: GlobOver, glob: string, matches: Matches): Set<number> | null {
    const newest = (this.newest.get() as number | null) ?? 0;
    if (newest > matches.scannedTo) {
      const globs = over === "exe" ? [glob] : [glob, glob];
      for (const id of this.scans[over].iterate(matches.scannedTo, newest, ...globs)) {
        if (matches.ids.add(id as number).size > this.maxRemembered) return null;
      }
      matches.scannedTo = newest;
    }
    return matches.ids;
  }
}

export const programGlobs = oncePer((sqlite: Database.Database) => new ProgramGlobs(sqlite));
