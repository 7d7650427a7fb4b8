import { createHash } from "node:crypto";
import type Database from "better-sqlite3";

/**
 * Values stored once (programs, files, boots): a value's key is its canonical JSON, kept in the table as a
 * 16-byte digest (or, `byValue`, the short value itself is unique in its table), and a new row is made from the
 * key alone. Recently used keys map to row ids in memory, so a repeated value costs one Map lookup.
 */
export class Dictionary {
  private readonly ids = new Map<string, number>();
  private readonly select: Database.Statement<[Buffer | string], { id: number }>;
  private readonly byValue: boolean;

  constructor(
    db: Database.Database,
    table: string,
    private readonly insert: (digest: Buffer | string, key: string) => number,
    options: { select?: string; byValue?: boolean } = {},
    private readonly capacity = 200_000,
  ) {
    this.select = db.prepare(options.select ?? `SELECT id FROM ${table} WHERE key = ?`);
    this.byValue = options.byValue ?? false;
  }

  /** The row id of the value whose canonical JSON is `key`; inserted when new (inside the caller's transaction). */
  id(key: string): number {
    const cached = this.ids.get(key);
    if (cached !== undefined) return cached;
    const digest = this.byValue ? key : createHash("sha256").update(key).digest().subarray(0, 16);
    const id = this.select.get(digest)?.id ?? this.insert(digest, key);
    if (this.ids.size >= this.capacity) this.ids.clear(); // a bounded cache; refilling it costs one look-up per key
    this.ids.set(key, id);
    return id;
  }

  /** Forgets every id: after a rollback, rows inserted by the failed transaction no longer exist. */
  forget(): void {
    this.ids.clear();
  }
}
