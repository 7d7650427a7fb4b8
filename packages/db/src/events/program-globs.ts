import type Database from "better-sqlite3";
import { oncePer } from "../once-per";
import { Recent } from "./recent";

/** Which paths of a program a glob is matched against. */
export type GlobOver = "exe" | "exe or filename";

/** Globs remembered per connection, and the most programs one may match to be remembered (an id is 8 bytes). */
const MAX_GLOBS = 64;
const MAX_REMEMBERED = 100_000;

/** The programs up to `scannedTo` that match; null once they were too many to keep. */
type Matches = { scannedTo: number; ids: Set<number> | null };

/**
 * The programs whose paths match a glob, remembered and brought up to date with the programs stored since: a
 * program row never changes and ids only grow (AUTOINCREMENT), so the matches are those found before plus those
 * among the new rows. Matching every program instead costs ~9 ms a query on a million-event store (~50 under
 * ingest, when every query starts on a cold cache), for each page, live-tail poll and analyst using that filter.
 * Ids of programs that retention deleted since may stay: no event names them. A glob that matched too many is
 * remembered as such, and matched in SQL from then on without a scan here. Inside a transaction of its own connection, which may see rows it will
 * roll back, nothing is remembered.
 */
export class ProgramGlobs {
  private readonly globs = new Recent<Matches>(MAX_GLOBS);
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
    if (this.sqlite.inTransaction) return this.scan(over, glob, { scannedTo: 0, ids: new Set() }).ids;
    const key = `${over}\0${glob}`;
    const matches = this.scan(over, glob, this.globs.take(key) ?? { scannedTo: 0, ids: new Set() });
    this.globs.keep(key, matches);
    return matches.ids;
  }

  /** `matches` with those among the programs stored since `matches.scannedTo` added. */
  private scan(over: GlobOver, glob: string, matches: Matches): Matches {
    if (matches.ids === null) return matches;
    const newest = (this.newest.get() as number | null) ?? 0;
    if (newest <= matches.scannedTo) return matches;
    const globs = over === "exe" ? [glob] : [glob, glob];
    for (const id of this.scans[over].iterate(matches.scannedTo, newest, ...globs)) {
      if (matches.ids.add(id as number).size > this.maxRemembered) return { scannedTo: newest, ids: null };
    }
    matches.scannedTo = newest;
    return matches;
  }
}

export const programGlobs = oncePer((sqlite: Database.Database) => new ProgramGlobs(sqlite));
