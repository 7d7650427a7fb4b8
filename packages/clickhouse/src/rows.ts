import { createHash } from "node:crypto";
import { sensorCodes, timeToNs, typeCodes, verdictCodes } from "@vigil/db";
import type { VigilEvent } from "@vigil/events";
import { searchText } from "./words";

const NS_PER_MINUTE = 60_000_000_000n;

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
  return `{"day":${day},"minute":${minute},"time_ns":${timeNs},"key":${key},${JSON.stringify(columns).slice(1)}`;
}

const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
