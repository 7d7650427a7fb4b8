import type { EventType, VigilEvent } from "@vigil/events";
import type { Store } from "../client";
import { typeNames } from "./codes";
import { type GroupOf, type GroupProgress, type GroupQuery, sqliteGroups } from "./event-groups";
import { type ProcessTree, processTree } from "./process-tree";
import {
  type EventCursor,
  type EventFilter,
  type EventPage,
  eventsArrivedAfter,
  eventsBySeq,
  lastSeq,
  newestStart,
  type Page,
  queryEvents,
} from "./query";
import type { Retention } from "./retention";
import { pruneEvents } from "./retention";
import { pruneRollups, Rollups } from "./rollups";
import { BIGINTS, buildRows } from "./rows";
import { timeToNs } from "./time";
import { EventWriter } from "./writer";

/**
 * Which stored event: its time, and a number that tells it from others at that time (SQLite: its arrival number;
 * ClickHouse: its key). What alerts keep of their events.
 */
export type EventRef = EventCursor;

/**
 * A range of whole minutes since the epoch (both included), counted in buckets of `bucketMinutes`; `hosts`: only
 * these (machine ids).
 */
export type CountRange = { fromMinute: number; toMinute: number; bucketMinutes: number; hosts?: string[] };

/** Events of one host and type in one bucket (its first minute since the epoch). */
export type EventCount = { bucketMinute: number; host: string; type: EventType; count: number };

/**
 * Where events are kept and read back: the one boundary the console, the API and the back-test use for events, so
 * one engine can take over from another. SQLite is the embedded default; ClickHouse (packages/clickhouse) holds
 * fleets one machine cannot. The contract both keep is `describeEventStore` (store-contract.ts).
 */
export interface EventStore {
  readonly engine: "sqlite" | "clickhouse";
  /**
   * Stores validated events of hosts that exist; `receivedMs` is when they reached the server. Returns each
   * event's reference, in order. `rows`: the events as this engine writes them, made on another thread (for
   * ClickHouse, its `eventLine` of each), where that costs the thread calling this too much.
   */
  append(events: VigilEvent[], receivedMs: number, rows?: readonly string[]): Promise<EventRef[]>;
  /** The events of `refs` that are still stored, newest first. */
  byRef(refs: EventRef[]): Promise<{ ref: EventRef; event: VigilEvent }[]>;
  /** A page in time order, keyset-paginated (see queryEvents). */
  page(filter: EventFilter, page: Page): Promise<EventPage>;
  /** Where the newest `count` matching events begin, to read them oldest first. */
  newestStart(filter: EventFilter, count: number): Promise<EventCursor | undefined>;
  /**
   * Events per bucket, host and type. Ranges of buckets that are whole hours are counted by the hour (minute
   * counts are kept two days), others by the minute.
   */
  counts(range: CountRange): Promise<EventCount[]>;
  /** The executables run most often in the hours that `range` touches (exec events). */
  topExecutables(range: CountRange, limit: number): Promise<{ exe: string; count: number }[]>;
  /** Where a live tail starts: after every event stored now. */
  tailStart(): Promise<string>;
  /**
   * Matching events that arrived after `cursor` (from tailStart or a previous call), in arrival order, each with
   * the cursor just past it; `cursor`: past everything looked at, where the next call goes on; `caughtUp`: nothing
   * more has arrived since.
   */
  arrivedAfter(
    filter: EventFilter,
    cursor: string,
    limit: number,
  ): Promise<{ events: { cursor: string; event: VigilEvent }[]; cursor: string; caughtUp: boolean }>;
  /** The process `pid` on host `host` (machine id) at `atNs`: see processTree. */
  processTree(host: string, pid: number, atNs: bigint): Promise<ProcessTree | null>;
  /** Events alike for a policy rule, grouped (see GroupQuery): what a back-test judges, one example per group. */
  groups(query: GroupQuery, progress: GroupProgress): Promise<GroupOf[]>;
  /** How many events it holds (SQLite counts them: slow on a large store, so callers keep the number). */
  stored(): Promise<number>;
  /** Deletes what retention no longer keeps; returns how many events went. */
  prune(retention: Retention, nowMs: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * The events and their rollups in the server's SQLite database (query.ts, writer.ts, rollups.ts). Agents' batches
 * take the ingest service's path, which adds stream numbers and alerts in the same transaction.
 */
export class SqliteEventStore implements EventStore {
  readonly engine = "sqlite";
  private readonly writer: EventWriter;
  private readonly rollups: Rollups;

  constructor(private readonly store: Store) {
    this.writer = new EventWriter(store.sqlite);
    this.rollups = new Rollups(store.sqlite);
  }

  async append(events: VigilEvent[], receivedMs: number): Promise<EventRef[]> {
    const hostIds = this.store.sqlite.prepare("SELECT id FROM hosts WHERE machine_id = ?").pluck();
    const byHost = new Map<string, VigilEvent[]>();
    for (const event of events) {
      const ofHost = byHost.get(event.host.id) ?? [];
      if (ofHost.push(event) === 1) byHost.set(event.host.id, ofHost);
    }
    const refs = new Map<VigilEvent, EventRef>();
    try {
      this.store.sqlite.transaction(() => {
        for (const [machineId, ofHost] of byHost) {
          const hostId = hostIds.get(machineId) as number | undefined;
          if (hostId === undefined) throw new Error(`no host ${JSON.stringify(machineId)}: enroll it first`);
          const rows = buildRows(ofHost);
          const seqs = this.writer.write(hostId, rows, 0, receivedMs);
          this.rollups.countRows(hostId, rows, seqs);
          ofHost.forEach((event, i) => {
            refs.set(event, { timeNs: rows.bigints[i * BIGINTS] as bigint, seq: BigInt(seqs[i] as number) });
          });
        }
        this.rollups.flush();
      })();
    } catch (error) {
      this.rollups.discard();
      this.writer.forgetIds();
      throw error;
    }
    return events.map((event) => refs.get(event) as EventRef);
  }

  async byRef(refs: EventRef[]): Promise<{ ref: EventRef; event: VigilEvent }[]> {
    return eventsBySeq(
      this.store.sqlite,
      refs.map((r) => r.seq),
    ).map(({ seq, event }) => ({ ref: { timeNs: timeToNs(event.time), seq }, event }));
  }

  async page(filter: EventFilter, page: Page): Promise<EventPage> {
    return queryEvents(this.store.sqlite, filter, page);
  }

  async newestStart(filter: EventFilter, count: number): Promise<EventCursor | undefined> {
    return newestStart(this.store.sqlite, filter, count);
  }

  async counts({ fromMinute, toMinute, bucketMinutes, hosts }: CountRange): Promise<EventCount[]> {
    const unit =
      bucketMinutes % 60 === 0
        ? { table: "event_rollups_hourly", column: "hour", minutes: 60 }
        : {
            table: "event_rollups",
            column: "minute",
            minutes: 1,
          };
    const per = bucketMinutes / unit.minutes;
    // Sizes and names are ours, written into the SQL: a bound number would be a REAL and not divide evenly.
    const rows = this.store.sqlite
      .prepare(
        `SELECT (r.${unit.column} / ${per}) * ${bucketMinutes} AS bucket, h.machine_id AS host, r.type,
           sum(r.count) AS count
         FROM ${unit.table} r JOIN hosts h ON h.id = r.host_id
         WHERE r.${unit.column} >= ? AND r.${unit.column} <= ?
           ${hosts ? "AND h.machine_id IN (SELECT value FROM json_each(?))" : ""}
         GROUP BY bucket, r.host_id, r.type`,
      )
      .all(
        Math.floor(fromMinute / unit.minutes),
        Math.floor(toMinute / unit.minutes),
        ...(hosts ? [JSON.stringify(hosts)] : []),
      ) as {
      bucket: number;
      host: string;
      type: number;
      count: number;
    }[];
    return rows.map((r) => ({
      bucketMinute: r.bucket,
      host: r.host,
      type: typeNames[r.type] as EventType,
      count: r.count,
    }));
  }

  async topExecutables({ fromMinute, toMinute }: CountRange, limit: number) {
    return this.store.sqlite
      .prepare(
        `SELECT exe, sum(count) AS count FROM exec_rollups WHERE hour >= ? AND hour <= ?
         GROUP BY exe ORDER BY count DESC, exe LIMIT ?`,
      )
      .all(Math.floor(fromMinute / 60), Math.floor(toMinute / 60), limit) as { exe: string; count: number }[];
  }

  async tailStart(): Promise<string> {
    return String(lastSeq(this.store.sqlite));
  }

  async arrivedAfter(filter: EventFilter, cursor: string, limit: number) {
    const arrived = eventsArrivedAfter(this.store.sqlite, filter, BigInt(cursor), limit);
    const events = arrived.map(({ seq, event }) => ({ cursor: String(seq), event }));
    return { events, cursor: events.at(-1)?.cursor ?? cursor, caughtUp: events.length < limit };
  }

  async processTree(host: string, pid: number, atNs: bigint): Promise<ProcessTree | null> {
    const hostId = this.store.sqlite.prepare("SELECT id FROM hosts WHERE machine_id = ?").pluck().get(host);
    return hostId === undefined ? null : processTree(this.store.sqlite, hostId as number, pid, atNs);
  }

  groups(query: GroupQuery, progress: GroupProgress): Promise<GroupOf[]> {
    return sqliteGroups(this.store.sqlite, query, progress);
  }

  async stored(): Promise<number> {
    return this.store.sqlite.prepare("SELECT count(*) FROM events").pluck().get() as number;
  }

  async prune(retention: Retention, nowMs: number): Promise<number> {
    const deleted = await pruneEvents(this.store.sqlite, retention, nowMs);
    pruneRollups(this.store.sqlite, nowMs - retention.maxAgeMs, nowMs);
    return deleted;
  }

  async close(): Promise<void> {}
}
