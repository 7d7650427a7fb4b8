import type { VigilEvent } from "@vigil/events";
import type Database from "better-sqlite3";
import { typeCodes } from "./codes";
import { BIGINTS, Column, type EventRows, NUMBERS } from "./rows";
import { timeToNs } from "./time";

const NS_PER_MINUTE = 60_000_000_000n;

/**
 * Adds a batch's events to the dashboard's counts: counted in memory while the batch is written, then one upsert
 * per (minute, host, type) and per (hour, executable) in the same transaction.
 */
export class Rollups {
  private readonly events = new Map<string, number>();
  private readonly execs = new Map<string, number>();
  private readonly addEvents: Database.Statement;
  private readonly addHourly: Database.Statement;
  private readonly addExecs: Database.Statement;
  /** The minute of the last event counted (events come in runs within a minute) and where it starts. */
  private minute = 0;
  private minuteStartNs = 0n;

  constructor(sqlite: Database.Database) {
    this.addEvents = sqlite.prepare(
      `INSERT INTO event_rollups (minute, host_id, type, count) VALUES (?, ?, ?, ?)
       ON CONFLICT (minute, host_id, type) DO UPDATE SET count = count + excluded.count`,
    );
    this.addHourly = sqlite.prepare(
      `INSERT INTO event_rollups_hourly (hour, host_id, type, count) VALUES (?, ?, ?, ?)
       ON CONFLICT (hour, host_id, type) DO UPDATE SET count = count + excluded.count`,
    );
    this.addExecs = sqlite.prepare(
      `INSERT INTO exec_rollups (hour, exe, count) VALUES (?, ?, ?)
       ON CONFLICT (hour, exe) DO UPDATE SET count = count + excluded.count`,
    );
  }

  count(hostId: number, event: VigilEvent): void {
    this.add(hostId, timeToNs(event.time), typeCodes[event.type], event.process.exe);
  }

  /** Counts the rows that were stored (`seqs`, as EventWriter.write returned them). */
  countRows(hostId: number, rows: EventRows, seqs: number[]): void {
    for (let row = 0; row < rows.count; row++) {
      if (seqs[row] === 0) continue;
      const program = rows.numbers[row * NUMBERS + Column.program] as number;
      this.add(
        hostId,
        rows.bigints[row * BIGINTS] as bigint,
        rows.numbers[row * NUMBERS + Column.type] as number,
        rows.exes[program] as string,
      );
    }
  }

  private add(hostId: number, timeNs: bigint, type: number, exe: string): void {
    if (timeNs < this.minuteStartNs || timeNs >= this.minuteStartNs + NS_PER_MINUTE) {
      this.minute = Number(timeNs / NS_PER_MINUTE);
      this.minuteStartNs = BigInt(this.minute) * NS_PER_MINUTE;
    }
    const key = `${this.minute} ${hostId} ${type}`;
    this.events.set(key, (this.events.get(key) ?? 0) + 1);
    if (type === typeCodes.exec) {
      const exec = `${Math.floor(this.minute / 60)} ${exe}`;
      this.execs.set(exec, (this.execs.get(exec) ?? 0) + 1);
    }
  }

  /** Writes what was counted (inside the batch's transaction) and starts over. */
  flush(): void {
    const hourly = new Map<string, number>();
    for (const [key, count] of this.events) {
      const [minute, hostId, type] = key.split(" ").map(Number) as [number, number, number];
      this.addEvents.run(minute, hostId, type, count);
      const hour = `${Math.floor(minute / 60)} ${hostId} ${type}`;
      hourly.set(hour, (hourly.get(hour) ?? 0) + count);
    }
    for (const [key, count] of hourly) this.addHourly.run(...key.split(" ").map(Number), count);
    for (const [key, count] of this.execs) {
      const space = key.indexOf(" ");
      this.addExecs.run(Number(key.slice(0, space)), key.slice(space + 1), count);
    }
    this.discard();
  }

  /** Forgets what was counted (the batch rolled back). */
  discard(): void {
    this.events.clear();
    this.execs.clear();
  }
}

const MINUTES_KEPT_MS = 2 * 86_400_000;

/**
 * Deletes counts older than `cutoffMs` (as retention deletes the events), and per-minute ones (with the hosts'
 * heartbeat samples) past two days.
 */
export function pruneRollups(sqlite: Database.Database, cutoffMs: number, nowMs = Date.now()): void {
  const hour = Math.floor(cutoffMs / 3_600_000);
  const minute = Math.floor(Math.max(cutoffMs, nowMs - MINUTES_KEPT_MS) / 60_000);
  sqlite.prepare("DELETE FROM event_rollups WHERE minute < ?").run(minute);
  sqlite.prepare("DELETE FROM host_samples WHERE minute < ?").run(minute);
  sqlite.prepare("DELETE FROM event_rollups_hourly WHERE hour < ?").run(hour);
  sqlite.prepare("DELETE FROM exec_rollups WHERE hour < ?").run(hour);
}
