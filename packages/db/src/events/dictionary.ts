import { createHash } from "node:crypto";
import type Database from "better-sqlite3";

/**
 * Strings stored once (programs, files): a value's key is its canonical JSON, kept in the table as a 16-byte
 * digest. Recently used keys map to row ids in memory, so a repeated value costs one Map lookup.
 */
export class Dictionary<V> {
  private readonly ids = new Map<string, number>();
  private readonly select: Database.Statement<[Buffer], { id: number }>;

  constructor(
    db: Database.Database,
    table: string,
    private readonly insert: (key: Buffer, value: V) => number,
    private readonly capacity = 200_000,
  ) {
    this.select = db.prepare(`SELECT id FROM ${table} WHERE key = ?`);
  }

  /** The row id of `value`, whose canonical JSON is `key`; inserted when new (inside the caller's transaction). */
  id(key: string, value: V): number {
    const cached = this.ids.get(key);
    if (cached !== undefined) return cached;
    const digest = createHash("sha256").update(key).digest().subarray(0, 16);
    const id = this.select.get(digest)?.id ?? this.insert(digest, value);
    if (this.ids.size >= this.capacity) this.ids.clear(); // a bounded cache; refilling it costs one look-up per key
    this.ids.set(key, id);
    return id;
  }

  /** Forgets every id: after a rollback, rows inserted by the failed transaction no longer exist. */
  forget(): void {
    this.ids.clear();
  }
}
