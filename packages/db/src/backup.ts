import { existsSync, statSync } from "node:fs";
import Database from "better-sqlite3";

export type Backup = { events: number; bytes: number; seconds: number };

/**
 * Copies the database at `source` to the new file `target` with SQLite's online backup, while the server goes on
 * writing: all pages in one step, in one read transaction, so the copy is the database as of one commit (a copy in
 * several steps would start over at each commit of the server). The copy is checked before it is reported.
 */
export async function backupDatabase(source: string, target: string): Promise<Backup> {
  if (!existsSync(source)) throw new Error(`no database at ${source}: is the data directory right?`);
  if (existsSync(target))
    throw new Error(`${target} exists: a backup never overwrites a file, choose a new name`);
  const started = performance.now();
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(target, { progress: () => 0x7fff_ffff });
  } finally {
    db.close();
  }
  const copy = new Database(target, { readonly: true, fileMustExist: true });
  try {
    const check = copy.pragma("quick_check", { simple: true });
    if (check !== "ok")
      throw new Error(`the copy in ${target} fails SQLite's check (${String(check)}): do not use it`);
    const events = copy.prepare("SELECT count(*) FROM events").pluck().get() as number;
    return { events, bytes: statSync(target).size, seconds: (performance.now() - started) / 1000 };
  } finally {
    copy.close();
  }
}
