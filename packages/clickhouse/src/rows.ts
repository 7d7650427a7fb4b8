import { createHash } from "node:crypto";
import { sensorCodes, timeToNs, typeCodes, verdictCodes } from "@vigil/db";
import type { VigilEvent } from "@vigil/events";
import { searchText } from "./words";

export const NS_PER_MINUTE = 60_000_000_000n;

/**
 * A quick 53-bit hash of a string (two multiply-xorshift lanes over its UTF-16 units): for grouping, where a
 * collision is not an attack on another host (groups are per host) and a cryptographic hash costs 3x more.
 */
function quickHash(text: string): bigint {
  let a = 0xdeadbeef;
  let b = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  return BigInt(2097151 & b) * 4294967296n + BigInt(a >>> 0);
}

/**
 * Everything of an event a policy rule could match on, hashed: all but what names this one event (its id, time,
 * host) and the process ids (a rule can tell only whether the target is the process itself). Events of one host with
 * the same shape are decided alike, so a back-test judges one of them.
 */
export function eventShape(event: VigilEvent): bigint {
  const { id: _id, time: _time, host: _host, process, ...rest } = event;
  const { pid, tid: _tid, ppid: _ppid, ...facts } = process;
  const ref = (r: { exe: string; comm: string }) => ({ exe: r.exe, comm: r.comm });
  const shape: Record<string, unknown> = { ...rest, process: facts };
  if ("parent" in event && event.parent) shape.parent = ref(event.parent);
  if ("target" in event) shape.target = { ...ref(event.target), self: event.target.pid === pid };
  return quickHash(JSON.stringify(shape));
}

/**
 * What tells an event from every other at the same nanosecond: a cryptographic hash of its host and id, so that an
 * agent cannot make an id whose row would replace another host's event when rows are merged. 63 bits, so that it
 * is also a positive signed 64-bit number (what SQLite keeps of it for alerts).
 */
export const eventKey = (hostId: string, id: string): bigint =>
  createHash("sha256")
    .update(`${Buffer.byteLength(hostId)}:${hostId}`) // its length first: no host and id run into another pair
    .update(id)
    .digest()
    .readBigUInt64BE(0) >> 1n;

/** The columns of `events` an eventLine holds, in its order. */
export const LINE_COLUMNS =
  "day, minute, time_ns, host_id, id, key, received_ms, host_name, type, sensor, verdict, pid, ppid, uid, " +
  "parent_pid, exe, filename, parent_exe, words, file_words, shape, event";

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** A string as a TabSeparated field: backslash, tab and line breaks escaped (NUL is taken as it is). */
const field = (text: string) =>
  SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ESCAPED[c] as string) : text;

/**
 * An event as a line of TabSeparated for `events` (LINE_COLUMNS): ClickHouse parses it several times faster than
 * JSON, and the event's own JSON goes in with its backslashes doubled, not escaped again as a JSON string.
 */
export function eventLine(event: VigilEvent, receivedMs: number): string {
  const timeNs = timeToNs(event.time);
  const minute = floorDiv(timeNs, NS_PER_MINUTE);
  const p = event.process;
  const parent = "parent" in event && event.parent ? event.parent : null;
  const file = "file" in event ? event.file : null;
  return [
    floorDiv(minute, 1440n),
    minute,
    timeNs,
    field(event.host.id),
    field(event.id),
    eventKey(event.host.id, event.id),
    receivedMs,
    field(event.host.name),
    typeCodes[event.type],
    sensorCodes[event.sensor],
    verdictCodes[event.verdict],
    p.pid,
    p.ppid,
    p.uid,
    parent ? parent.pid : -1,
    field(p.exe),
    field(p.filename),
    field(parent ? parent.exe : ""),
    // The fields SQLite's text search indexes (programs_fts), in its order, and the file's path (files_fts).
    field(searchText([p.comm, p.exe, p.filename, p.argv.join(" "), p.cwd])),
    file ? field(searchText([file.path])) : "",
    eventShape(event),
    field(JSON.stringify(event)),
  ].join("\t");
}

/** a / b rounded down (bigint division rounds toward zero). */
export const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
