import { createHash } from "node:crypto";
import { sensorCodes, timeToNs, typeCodes, verdictCodes } from "@vigil/db";
import type { VigilEvent } from "@vigil/events";
import { searchText } from "./words";

const NS_PER_MINUTE = 60_000_000_000n;

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

/** An event as a line of JSONEachRow for `events` (64-bit numbers written as digits: JSON.stringify cannot). */
export function eventLine(event: VigilEvent, receivedMs: number): string {
  const timeNs = timeToNs(event.time);
  const minute = floorDiv(timeNs, NS_PER_MINUTE);
  const p = event.process;
  const parent = "parent" in event && event.parent ? event.parent : null;
  const file = "file" in event ? event.file : null;
  const columns = {
    host_id: event.host.id,
    id: event.id,
    received_ms: receivedMs,
    host_name: event.host.name,
    type: typeCodes[event.type],
    sensor: sensorCodes[event.sensor],
    verdict: verdictCodes[event.verdict],
    pid: p.pid,
    ppid: p.ppid,
    uid: p.uid,
    parent_pid: parent ? parent.pid : -1,
    exe: p.exe,
    filename: p.filename,
    parent_exe: parent ? parent.exe : "",
    // The fields SQLite's text search indexes (programs_fts), in its order, and the file's path (files_fts).
    words: searchText([p.comm, p.exe, p.filename, p.argv.join(" "), p.cwd]),
    file_words: file ? searchText([file.path]) : "",
    event: JSON.stringify(event),
  };
  const day = floorDiv(minute, 1440n);
  const key = eventKey(event.host.id, event.id);
  const numbers = `"day":${day},"minute":${minute},"time_ns":${timeNs},"key":${key},"shape":${eventShape(event)}`;
  return `{${numbers},${JSON.stringify(columns).slice(1)}`;
}

const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
