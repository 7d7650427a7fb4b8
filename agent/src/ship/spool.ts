import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { type AckedAges, SpoolAges } from "./spool-ages";

export type SpoolBatch = { firstSeq: number; lastSeq: number; events: string[]; bytes: number };

/**
 * The durable outbox: every event is committed here before it is shipped and deleted only when the server has
 * stored it. Events are numbered in a stream (one per spool file) so the server can tell a retry from new data.
 * Past `maxBytes` the OLDEST events go, counted and reported.
 */
export class Spool {
  readonly stream: string;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string]>;
  private readonly ages = new SpoolAges();
  private readonly oldest: Database.Statement<[number], { seq: number; json: string }>;
  private readonly deleteUpTo: Database.Statement<[number]>;
  private readonly setMeta: Database.Statement<[string, string]>;
  private bytes: number;
  private depth: number;
  private dropped: number;

  constructor(
    path: string,
    private readonly maxBytes: number,
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL"); // committed events survive a crash of the agent
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS spool (seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    const getMeta = this.db.prepare<[string], string>("SELECT value FROM meta WHERE key = ?").pluck();
    this.setMeta = this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    let stream = getMeta.get("stream");
    if (!stream) {
      stream = randomBytes(12).toString("base64url");
      this.setMeta.run("stream", stream);
    }
    this.stream = stream;
    this.dropped = Number(getMeta.get("dropped") ?? 0);
    const totals = this.db
      .prepare("SELECT count(*) AS n, coalesce(sum(length(json)), 0) AS bytes FROM spool")
      .get() as {
      n: number;
      bytes: number;
    };
    this.depth = totals.n;
    this.bytes = totals.bytes;
    this.insert = this.db.prepare("INSERT INTO spool (json) VALUES (?)");
    this.oldest = this.db.prepare("SELECT seq, json FROM spool ORDER BY seq LIMIT ?");
    this.deleteUpTo = this.db.prepare("DELETE FROM spool WHERE seq <= ?");
  }

  /** Commits events (JSON texts) in one transaction; returns how many old events made room for them. */
  append(events: string[], nowMs = Date.now()): number {
    if (events.length === 0) return 0;
    let lastSeq = 0;
    this.db.transaction(() => {
      for (const json of events) {
        lastSeq = Number(this.insert.run(json).lastInsertRowid);
        this.bytes += json.length;
      }
    })();
    this.ages.appended(lastSeq - events.length + 1, lastSeq, nowMs);
    this.depth += events.length;
    return this.bytes > this.maxBytes ? this.dropOldest() : 0;
  }

  /** The oldest events, contiguous in sequence, up to `maxEvents` or about `maxBytes` of JSON. */
  peek(maxEvents: number, maxBytes: number): SpoolBatch | null {
    const rows = this.oldest.all(maxEvents);
    const first = rows[0];
    if (!first) return null;
    const events: string[] = [];
    let bytes = 0;
    for (const row of rows) {
      if (row.seq !== first.seq + events.length || (events.length > 0 && bytes + row.json.length > maxBytes))
        break;
      events.push(row.json);
      bytes += row.json.length;
    }
    return { firstSeq: first.seq, lastSeq: first.seq + events.length - 1, events, bytes };
  }

  /** The server stored everything up to `lastSeq`; returns how long those events waited here (since this start). */
  ack(batch: SpoolBatch, nowMs = Date.now()): AckedAges {
    this.deleteUpTo.run(batch.lastSeq);
    this.depth = Math.max(0, this.depth - batch.events.length);
    this.bytes = Math.max(0, this.bytes - batch.bytes);
    return this.ages.acked(batch.firstSeq, batch.lastSeq, nowMs);
  }

  stats(): { depth: number; bytes: number; dropped: number } {
    return { depth: this.depth, bytes: this.bytes, dropped: this.dropped };
  }

  close(): void {
    this.db.close();
  }

  private dropOldest(): number {
    const target = this.maxBytes * 0.9; // room for a while, so the next append does not drop again
    let dropped = 0;
    this.db.transaction(() => {
      while (this.bytes > target) {
        const rows = this.oldest.all(1000);
        let last = 0;
        for (const row of rows) {
          if (this.bytes <= target) break;
          this.bytes -= row.json.length;
          last = row.seq;
          dropped++;
        }
        if (last === 0) break;
        this.deleteUpTo.run(last);
      }
      this.dropped += dropped;
      this.setMeta.run("dropped", String(this.dropped));
    })();
    this.depth -= dropped;
    return dropped;
  }
}
