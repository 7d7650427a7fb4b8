import type Database from "better-sqlite3";

/**
 * Runs `write` at once, or not at all when another connection holds the write lock (the writing thread during a
 * group commit): for bookkeeping a request must not wait for, up to the busy timeout, on the thread that answers
 * everyone. True when it ran.
 */
export function writeUnlessBusy(sqlite: Database.Database, write: () => void): boolean {
  const timeout = sqlite.pragma("busy_timeout", { simple: true }) as number;
  sqlite.pragma("busy_timeout = 0");
  try {
    write();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "SQLITE_BUSY") return false;
    throw error;
  } finally {
    sqlite.pragma(`busy_timeout = ${timeout}`);
  }
}
