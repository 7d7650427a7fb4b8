import { Readable } from "node:stream";
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import {
  type CountRange,
  type EventCount,
  type EventCursor,
  type EventFilter,
  type EventPage,
  type EventRef,
  type EventStore,
  type GroupOf,
  type GroupProgress,
  type GroupQuery,
  type Page,
  type ProcessTree,
  type Retention,
  timeToNs,
  typeCodes,
  typeNames,
} from "@vigil/db";
import type { EventType, VigilEvent } from "@vigil/events";
import { filterConditions } from "./conditions";
import { globToRegex } from "./glob";
import { int, list, str } from "./literal";
import { clickhouseProcessTree } from "./process-tree";
import { eventKey, eventLine, floorDiv, LINE_COLUMNS, NS_PER_MINUTE } from "./rows";
import { createSchema, type Layout, tables } from "./schema";
import { windows } from "./windows";

export type ClickHouseOptions = {
  /** Where reads and writes go: one server, or any server of the cluster. */
  url: string;
  username?: string;
  password?: string;
  database?: string;
  /** On a cluster: its name in the servers' `remote_servers`, and a URL of each shard (for the schema and retention). */
  cluster?: { name: string; shardUrls: string[] };
};

/** A row of a page: its time and key (the cursor), and the columns asked for. */
type KeyedRow = { t: string; k: string } & Record<string, string>;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const DAY_MS = 86_400_000;

/**
 * Events in ClickHouse: for fleets whose events one machine cannot hold. Any number of Vigil nodes may write and read
 * at once; the server keeps nothing between calls but caches.
 */
export class ClickHouseEventStore implements EventStore {
  readonly engine = "clickhouse";
  private readonly client: ClickHouseClient;
  private readonly shards: ClickHouseClient[];
  private readonly layout: Layout;
  private readonly t: ReturnType<typeof tables>;
  private readonly url: string;

  private constructor(options: ClickHouseOptions) {
    const database = options.database ?? "vigil";
    if (!IDENTIFIER.test(database))
      throw new Error(`database name ${JSON.stringify(database)}: use letters, digits, _`);
    const cluster = options.cluster?.name;
    if (cluster !== undefined && !IDENTIFIER.test(cluster)) {
      throw new Error(`cluster name ${JSON.stringify(cluster)}: use letters, digits, _`);
    }
    this.layout = { database, cluster };
    this.t = tables(this.layout);
    const connect = (url: string) =>
      createClient({
        url,
        username: options.username,
        password: options.password,
        // Errors are thrown to the caller, who logs them once.
        log: { level: ClickHouseLogLevel.OFF },
        clickhouse_settings: { insert_distributed_sync: 1 },
      });
    const { origin, pathname } = new URL(options.url);
    this.url = `${origin}${pathname === "/" ? "" : pathname}`; // as errors name it: without credentials
    this.client = connect(options.url);
    this.shards = (options.cluster?.shardUrls ?? [options.url]).map(connect);
  }

  /** A store whose schema is made (what is missing of it, on every shard) before its first use. */
  static connect(options: ClickHouseOptions): ClickHouseEventStore {
    return new ClickHouseEventStore(options);
  }

  /** Connects and makes the schema now: a server that cannot be reached is an error here. */
  static async open(options: ClickHouseOptions): Promise<ClickHouseEventStore> {
    const store = new ClickHouseEventStore(options);
    try {
      await store.ready();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  private schema: Promise<void> | null = null;

  /** The schema, made once; after a failure (the server was down) the next call tries again. */
  private ready(): Promise<void> {
    this.schema ??= (async () => {
      try {
        for (const shard of this.shards) await createSchema(shard, this.layout);
        if (this.layout.cluster) await createSchema(this.client, this.layout);
      } catch (error) {
        this.schema = null;
        throw new Error(`ClickHouse at ${this.url}: ${(error as Error).message}`, { cause: error });
      }
    })();
    return this.schema;
  }

  /**
   * Stores events; those already stored (a batch sent again after its answer was lost) are left out, so they are
   * counted once. Two nodes storing the same batch at the same moment may both store it: the table merges such
   * rows into one and every read keeps one.
   */
  async append(events: VigilEvent[], receivedMs: number, rows?: readonly string[]): Promise<EventRef[]> {
    const refs = events.map((e) => ({ timeNs: timeToNs(e.time), seq: eventKey(e.host.id, e.id) }));
    if (events.length === 0) return refs;
    const stored = await this.alreadyStored(events);
    const lines = events.flatMap((e, i) =>
      stored.has(`${e.host.id}\0${e.id}`) ? [] : [rows?.[i] ?? eventLine(e, receivedMs)],
    );
    if (lines.length === 0) return refs;
    await this.ready();
    const body = Readable.from([Buffer.from(`${lines.join("\n")}\n`)], { objectMode: false });
    const { stream } = await this.client.exec({
      query: `INSERT INTO ${this.t.events} (${LINE_COLUMNS}) FORMAT TabSeparated`,
      values: body,
    });
    stream.resume(); // the answer is empty; read it so the connection is free again
    return refs;
  }

  async byRef(refs: EventRef[]): Promise<{ ref: EventRef; event: VigilEvent }[]> {
    const unique = [...new Map(refs.map((r) => [`${r.timeNs}:${r.seq}`, r])).values()];
    const newestFirst = unique.sort((a, b) =>
      a.timeNs === b.timeNs ? compare(b.seq, a.seq) : compare(b.timeNs, a.timeNs),
    );
    const found = await this.byKeys(
      newestFirst.map((r) => ({ t: String(r.timeNs), k: String(r.seq) })),
      "any(event) AS json",
    );
    return newestFirst.flatMap((ref) => {
      const row = found.get(`${ref.timeNs}:${ref.seq}`);
      return row ? [{ ref, event: JSON.parse(row.json as string) as VigilEvent }] : [];
    });
  }

  /** `host\0id` of the events of `events` already stored: looked up by host within the batch's time span. */
  private async alreadyStored(events: VigilEvent[]): Promise<Set<string>> {
    const spans = new Map<string, { from: bigint; to: bigint }>();
    for (const event of events) {
      const ns = timeToNs(event.time);
      const span = spans.get(event.host.id);
      if (!span) spans.set(event.host.id, { from: ns, to: ns });
      else if (ns < span.from) span.from = ns;
      else if (ns > span.to) span.to = ns;
    }
    const where = [...spans].map(
      ([host, { from, to }]) =>
        `(host_id = ${str(host)} AND time_ns >= ${int(from)} AND time_ns <= ${int(to)})`,
    );
    const rows = await this.rows<{ host_id: string; id: string }>(
      `SELECT host_id, id FROM ${this.t.events} WHERE ${where.join(" OR ")}`,
    );
    return new Set(rows.map((r) => `${r.host_id}\0${r.id}`));
  }

  async page(filter: EventFilter, page: Page): Promise<EventPage> {
    // The page's keys first, from the few columns filters read; then only its rows' events.
    const keys = await this.pageKeys(filter, page);
    const found = await this.byKeys(keys, "any(received_ms) AS received, any(event) AS json");
    const rows = keys.flatMap((k) => found.get(`${k.t}:${k.k}`) ?? []);
    const last = keys.at(-1);
    return {
      events: rows.map((r) => JSON.parse(r.json as string) as VigilEvent),
      receivedMs: rows.map((r) => Number(r.received)),
      next: last && keys.length === page.limit ? { timeNs: BigInt(last.t), seq: BigInt(last.k) } : null,
    };
  }

  /** `columns` (aggregates over a key's rows) of the rows with these keys, by `time:key`. */
  private async byKeys(keys: { t: string; k: string }[], columns: string): Promise<Map<string, KeyedRow>> {
    if (keys.length === 0) return new Map();
    const rows = await this.rows<KeyedRow>(
      `SELECT toString(time_ns) AS t, toString(key) AS k, ${columns} FROM ${this.t.events}
       WHERE ${withKeys(keys)} GROUP BY time_ns, key`,
    );
    return new Map(rows.map((r) => [`${r.t}:${r.k}`, r]));
  }

  async newestStart(filter: EventFilter, count: number): Promise<EventCursor | undefined> {
    const keys = await this.pageKeys(filter, { order: "desc", limit: count });
    const oldest = keys.at(-1);
    if (!oldest) return undefined;
    // The cursor is exclusive: just before the oldest of them.
    const timeNs = BigInt(oldest.t);
    const key = BigInt(oldest.k);
    return key > 0n ? { timeNs, seq: key - 1n } : { timeNs: timeNs - 1n, seq: 2n ** 64n - 1n };
  }

  /**
   * The time (`t`) and key (`k`) of a page's rows. Read a time window at a time,
   * newest (or oldest) first, each window holding about as many events as the page still needs times how rare
   * matches have been: ClickHouse sorts what a window holds, so an unbounded query would sort every match.
   */
  private async pageKeys(filter: EventFilter, page: Page): Promise<{ t: string; k: string }[]> {
    const desc = page.order === "desc";
    const where = filterConditions(filter);
    if (page.after) {
      const cmp = desc ? "<" : ">";
      const { timeNs, seq } = page.after;
      where.push(
        `time_ns ${cmp}= ${int(timeNs)} AND (time_ns ${cmp} ${int(timeNs)} OR key ${cmp} ${int(seq)})`,
      );
    }
    const dir = desc ? "DESC" : "ASC";
    const found: { t: string; k: string }[] = [];
    const startNs = page.after?.timeNs ?? (desc ? filter.untilNs : filter.sinceNs);
    for await (const window of windows(this, filter, desc, startNs, page.limit)) {
      const rows = await this.rows<{ t: string; k: string }>(
        `SELECT toString(time_ns) AS t, toString(key) AS k FROM ${this.t.events}
         WHERE ${[...where, ...window.conditions].join(" AND ") || "1"}
         GROUP BY time_ns, key ORDER BY time_ns ${dir}, key ${dir} LIMIT ${int(page.limit - found.length)}`,
      );
      found.push(...rows);
      window.found(rows.length);
      if (found.length === page.limit) break;
    }
    return found;
  }

  /** Events per minute, oldest or newest first, from `startNs` on (or all): what windows are cut from. */
  async minuteCounts(
    filter: EventFilter,
    desc: boolean,
    startNs?: bigint,
  ): Promise<{ minute: bigint; count: number }[]> {
    const where: string[] = [];
    if (filter.types?.length) where.push(`type IN (${list(filter.types.map((t) => int(typeCodes[t])))})`);
    if (startNs !== undefined)
      where.push(`minute ${desc ? "<=" : ">="} ${int(floorDiv(startNs, NS_PER_MINUTE))}`);
    const rows = await this.rows<{ m: string; n: string }>(
      `SELECT toString(minute) AS m, toString(sum(count)) AS n FROM ${this.t.counts}
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""} GROUP BY minute ORDER BY minute ${desc ? "DESC" : "ASC"}`,
    );
    return rows.map((r) => ({ minute: BigInt(r.m), count: Number(r.n) }));
  }

  /** The newest (desc) or oldest event's time within a minute, or null when it has none. */
  async edgeOf(minute: bigint, desc: boolean): Promise<bigint | null> {
    const lo = minute * NS_PER_MINUTE;
    const [row] = await this.rows<{ t: string; n: string }>(
      `SELECT toString(${desc ? "max" : "min"}(time_ns)) AS t, toString(count()) AS n FROM ${this.t.events}
       WHERE time_ns >= ${int(lo)} AND time_ns < ${int(lo + NS_PER_MINUTE)}`,
    );
    return row && row.n !== "0" ? BigInt(row.t) : null;
  }

  async counts({ fromMinute, toMinute, bucketMinutes, hosts }: CountRange): Promise<EventCount[]> {
    const unit = bucketMinutes % 60 === 0 ? 60 : 1;
    const per = bucketMinutes / unit;
    const from = Math.floor(fromMinute / unit) * unit;
    const to = (Math.floor(toMinute / unit) + 1) * unit;
    const rows = await this.rows<{ bucket: string; host_id: string; type: number; n: string }>(
      `SELECT toString(intDiv(intDiv(minute, ${int(unit)}), ${int(per)}) * ${int(bucketMinutes)}) AS bucket, host_id,
         type, toString(sum(count)) AS n
       FROM ${this.t.counts} WHERE minute >= ${int(from)} AND minute < ${int(to)}
         ${hosts ? `AND host_id IN (${list(hosts.map(str))})` : ""}
       GROUP BY bucket, host_id, type`,
    );
    return rows.map((r) => ({
      bucketMinute: Number(r.bucket),
      host: r.host_id,
      type: typeNames[r.type] as EventType,
      count: Number(r.n),
    }));
  }

  async topExecutables({ fromMinute, toMinute }: CountRange, limit: number) {
    const rows = await this.rows<{ exe: string; n: string }>(
      `SELECT exe, toString(sum(count)) AS n FROM ${this.t.execs}
       WHERE hour >= ${int(Math.floor(fromMinute / 60))} AND hour <= ${int(Math.floor(toMinute / 60))}
       GROUP BY exe ORDER BY sum(count) DESC, exe LIMIT ${int(limit)}`,
    );
    return rows.map((r) => ({ exe: r.exe, count: Number(r.n) }));
  }

  async tailStart(): Promise<string> {
    const [last] = await this.rows<{ r: string; k: string }>(
      `SELECT toString(received_ms) AS r, toString(key) AS k FROM ${this.t.arrivals}
       ORDER BY received_ms DESC, key DESC LIMIT 1`,
    );
    return last ? `${last.r}:${last.k}` : "0:0";
  }

  /**
   * Arrivals after the cursor, `TAIL_SCAN` at most a call, and those of them that match: a tail of a rare match
   * moves on through arrivals that do not.
   */
  async arrivedAfter(filter: EventFilter, cursor: string, limit: number) {
    const [r, k] = tailCursor(cursor);
    const arrivals = await this.rows<{ r: string; k: string; t: string }>(
      `SELECT toString(received_ms) AS r, toString(key) AS k, toString(time_ns) AS t FROM ${this.t.arrivals}
       WHERE received_ms >= ${int(r)} AND (received_ms > ${int(r)} OR key > ${int(k)})
       ORDER BY received_ms, key LIMIT ${TAIL_SCAN}`,
    );
    if (arrivals.length === 0) return { events: [], cursor, caughtUp: true };
    const found = await this.rows<{ k: string; json: string }>(
      `SELECT toString(key) AS k, any(event) AS json FROM ${this.t.events}
       WHERE ${withKeys(arrivals)} ${filterConditions(filter)
         .map((c) => `AND ${c}`)
         .join(" ")}
       GROUP BY time_ns, key`,
    );
    const byKey = new Map(found.map((f) => [f.k, f.json]));
    const events: { cursor: string; event: VigilEvent }[] = [];
    let last = cursor;
    let looked = 0;
    for (const a of arrivals) {
      looked++;
      last = `${a.r}:${a.k}`;
      const json = byKey.get(a.k);
      if (json === undefined) continue;
      byKey.delete(a.k); // a copy of an event sent twice arrived twice: told once
      events.push({ cursor: last, event: JSON.parse(json) as VigilEvent });
      if (events.length === limit) break;
    }
    return { events, cursor: last, caughtUp: looked === arrivals.length && arrivals.length < TAIL_SCAN };
  }

  processTree(host: string, pid: number, atNs: bigint): Promise<ProcessTree | null> {
    return clickhouseProcessTree((query) => this.rows(query), this.t.events, host, pid, atNs);
  }

  /**
   * Events of one shape (rows.ts) on a host, a slice of time at a time; a rule's executables narrow them first.
   * Rows of a batch stored twice and not merged yet are counted twice.
   */
  async groups(query: GroupQuery, progress: GroupProgress): Promise<GroupOf[]> {
    const where = [`type = ${int(typeCodes[query.type])}`];
    if (query.hosts) where.push(`host_id IN (${list(query.hosts.map(str))})`);
    const exeGlobs = query.narrowing?.by === "program" ? query.narrowing.exeGlobs : null;
    if (exeGlobs)
      where.push(`(${exeGlobs.map((g) => `match(exe, ${str(globToRegex(g))})`).join(" OR ") || "0"})`);
    const groups = new Map<string, GroupOf & { newestNs: bigint }>();
    const span = query.untilNs - query.sinceNs;
    for (let slice = 0; slice < progress.slices; slice++) {
      const from = query.sinceNs + (span * BigInt(slice)) / BigInt(progress.slices);
      const to = query.sinceNs + (span * BigInt(slice + 1)) / BigInt(progress.slices);
      const rows = await this.rows<{ host_id: string; s: string; n: string; t: string; ex: string }>(
        `SELECT host_id, toString(shape) AS s, toString(count()) AS n, toString(max(time_ns)) AS t,
           argMax(event, time_ns) AS ex
         FROM ${this.t.events} WHERE ${where.join(" AND ")} AND time_ns >= ${int(from)} AND time_ns < ${int(to)}
         GROUP BY host_id, shape`,
      );
      for (const row of rows) {
        const key = `${row.host_id}\0${row.s}`;
        const group = groups.get(key);
        const newestNs = BigInt(row.t);
        if (!group) {
          groups.set(key, {
            host: row.host_id,
            count: Number(row.n),
            example: JSON.parse(row.ex) as VigilEvent,
            newestNs,
          });
          continue;
        }
        group.count += Number(row.n);
        if (newestNs > group.newestNs) {
          group.example = JSON.parse(row.ex) as VigilEvent;
          group.newestNs = newestNs;
        }
      }
      progress.onSlice?.(slice + 1);
      await progress.pause?.();
    }
    return [...groups.values()].map(({ newestNs: _, ...group }) => group);
  }

  async stored(): Promise<number> {
    const [row] = await this.rows<{ n: string }>(`SELECT toString(sum(count)) AS n FROM ${this.t.counts}`);
    return Number(row?.n ?? 0);
  }

  /**
   * Drops whole days, on every shard: those entirely older than the age limit, then the oldest while the rest
   * still holds `maxEvents`. So up to a day more than the limits may be kept; nothing newer than them goes.
   */
  async prune(retention: Retention, nowMs: number): Promise<number> {
    await this.ready();
    const cutoffDay = Math.floor((nowMs - retention.maxAgeMs) / DAY_MS);
    const days = await this.rows<{ day: number; n: string }>(
      `SELECT day, toString(sum(count)) AS n FROM ${this.t.counts} GROUP BY day ORDER BY day`,
    );
    let left = days.reduce((sum, d) => sum + Number(d.n), 0);
    const drop: number[] = [];
    let deleted = 0;
    for (const { day, n } of days) {
      if (day >= cutoffDay && left - Number(n) < retention.maxEvents) break;
      drop.push(day);
      left -= Number(n);
      deleted += Number(n);
    }
    for (const shard of this.shards) {
      await this.dropDays(shard, this.t.arrivalsLocal, (day) => day < cutoffDay);
      for (const table of [this.t.eventsLocal, this.t.countsLocal, this.t.execsLocal]) {
        await this.dropDays(shard, table, (day) => drop.includes(day));
      }
    }
    return deleted;
  }

  /** Drops the partitions (days) of a table of one shard that `old` says are to go. */
  private async dropDays(
    shard: ClickHouseClient,
    table: string,
    old: (day: number) => boolean,
  ): Promise<void> {
    const [database, name] = table.split(".") as [string, string];
    const present = await rowsOf<{ partition: string }>(
      shard,
      `SELECT DISTINCT partition FROM system.parts
       WHERE active AND database = ${str(database)} AND table = ${str(name)}`,
    );
    for (const { partition } of present) {
      if (old(Number(partition))) {
        await shard.command({ query: `ALTER TABLE ${table} DROP PARTITION ${int(Number(partition))}` });
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.client, ...this.shards].map((c) => c.close()));
  }

  async rows<T>(query: string): Promise<T[]> {
    await this.ready();
    return rowsOf<T>(this.client, query);
  }
}

async function rowsOf<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const result = await client.query({ query, format: "JSONEachRow" });
  return (await result.json()) as T[];
}

/**
 * The condition that a row has one of these times and keys. Its time range comes first: 18.16 finds the rows of a
 * list of (time, key) pairs by reading every row, but the range by the table's order (a page of 100 on 10M events:
 * 255 ms without it).
 */
function withKeys(keys: { t: string; k: string }[]): string {
  let least = BigInt(keys[0]?.t ?? 0);
  let most = least;
  for (const { t } of keys) {
    const ns = BigInt(t);
    if (ns < least) least = ns;
    if (ns > most) most = ns;
  }
  const pairs = keys.map((k) => `(${int(BigInt(k.t))}, ${int(BigInt(k.k))})`);
  return `time_ns >= ${int(least)} AND time_ns <= ${int(most)} AND (time_ns, key) IN (${pairs.join(", ")})`;
}

const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** Arrivals a tail reads at most per call. */
const TAIL_SCAN = 10_000;

/** A tail's position: the arrival time and key of the last event it looked at. */
function tailCursor(cursor: string): [bigint, bigint] {
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(cursor);
  if (!match) throw new RangeError(`not a tail position of this event store: ${JSON.stringify(cursor)}`);
  return [BigInt(match[1] as string), BigInt(match[2] as string)];
}
