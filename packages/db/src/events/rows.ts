import type { FileRef, Process, ProcessRef, VigilEvent } from "@vigil/events";
import { sensorCodes, typeCodes, verdictCodes } from "./codes";
import { compactId } from "./event-id";
import { timeToNs } from "./time";

/**
 * Where each number of an event is in `EventRows.numbers`. -1 stands for SQL NULL (the columns that may be null
 * hold pids, small indexes and exit statuses); uid, euid and gid are stored as int32 and read back with `>>> 0`.
 */
export const Column = {
  type: 0,
  sensor: 1,
  verdict: 2,
  pid: 3,
  tid: 4,
  ppid: 5,
  uid: 6,
  euid: 7,
  gid: 8,
  /** index into `programs` */
  program: 9,
  parentPid: 10,
  /** index into `programs` */
  parent: 11,
  /** index into `files` */
  file: 12,
  targetPid: 13,
  /** index into `programs` */
  target: 14,
  /** index into `boots` */
  boot: 15,
  idTid: 16,
  exitStatus: 17,
  /** the event's position in the batch it came in */
  batchIndex: 18,
} as const;
export const NUMBERS = Object.keys(Column).length;
export const NULL = -1;
/** 64-bit values per event in `EventRows.bigints`: time_ns, cgroup_id, ktime (0 without a boot). */
export const BIGINTS = 3;

/**
 * A batch's events as the values of their rows: numbers in typed arrays, each program, file and boot once. It is
 * what a decoding thread hands the writer (the arrays move without copying), so the thread that owns the database
 * spends almost nothing per event beyond SQLite's own work.
 */
export type EventRows = {
  count: number;
  numbers: Int32Array;
  bigints: BigInt64Array;
  /** programKey of each process and refKey of each parent or target: what a new row is made from */
  programs: string[];
  /** the exe of each of `programs` */
  exes: string[];
  /** fileKey of each file */
  files: string[];
  boots: string[];
  /** [row, text]: ids not in the agent's form, kept as text */
  eventIds: [number, string][];
  /** [row, JSON]: members stored as `detail` */
  details: [number, string][];
  /** [uid, name] as the host named them */
  users: [number, string][];
  /** Events alerts may be about (any but exec, fork and exit, and any a policy rule decided), whole. */
  notable: { row: number; event: VigilEvent }[];
};

/** Members stored in columns or dictionaries; whatever else an event has goes to `detail`. */
const stored = new Set(["id", "type", "time", "host", "sensor", "verdict", "process", "exit"]);
const references = new Set(["parent", "file", "target"]);
const routine = new Set<string>(["exec", "fork", "exit"]);

/** Whether alerts may be about an event: the built-in detections and policy verdicts are about no others. */
export const isNotable = (event: VigilEvent) => !routine.has(event.type) || event.policy !== null;

/** Row values of `events` (validated); `batchIndexes[i]` is events[i]'s position in its batch (default i). */
export function buildRows(events: VigilEvent[], batchIndexes?: number[]): EventRows {
  const count = events.length;
  const rows: EventRows = {
    count,
    numbers: new Int32Array(count * NUMBERS).fill(NULL),
    bigints: new BigInt64Array(count * BIGINTS),
    programs: [],
    exes: [],
    files: [],
    boots: [],
    eventIds: [],
    details: [],
    users: [],
    notable: [],
  };
  const { numbers, bigints } = rows;
  const programs = new Map<string, number>();
  const files = new Map<string, number>();
  const boots = new Map<string, number>();
  const users = new Map<number, string>();
  const program = (key: string, exe: string) => {
    let index = programs.get(key);
    if (index === undefined) {
      index = rows.programs.push(key) - 1;
      rows.exes.push(exe);
      programs.set(key, index);
    }
    return index;
  };
  const cgroups = new Map<string, bigint>();
  for (let row = 0; row < count; row++) {
    const event = events[row] as VigilEvent;
    const p = event.process;
    const n = row * NUMBERS;
    numbers[n + Column.type] = typeCodes[event.type];
    numbers[n + Column.sensor] = sensorCodes[event.sensor];
    numbers[n + Column.verdict] = verdictCodes[event.verdict];
    numbers[n + Column.pid] = p.pid;
    numbers[n + Column.tid] = p.tid;
    numbers[n + Column.ppid] = p.ppid;
    numbers[n + Column.uid] = p.uid;
    numbers[n + Column.euid] = p.euid;
    numbers[n + Column.gid] = p.gid;
    numbers[n + Column.program] = program(programKey(p), p.exe);
    numbers[n + Column.batchIndex] = batchIndexes ? (batchIndexes[row] as number) : row;
    if (p.user !== undefined && users.get(p.uid) !== p.user) {
      users.set(p.uid, p.user);
      rows.users.push([p.uid, p.user]);
    }
    if ("parent" in event && event.parent) {
      numbers[n + Column.parentPid] = event.parent.pid;
      numbers[n + Column.parent] = program(refKey(event.parent), event.parent.exe);
    }
    if ("file" in event) {
      const key = fileKey(event.file);
      let index = files.get(key);
      if (index === undefined) {
        index = rows.files.push(key) - 1;
        files.set(key, index);
      }
      numbers[n + Column.file] = index;
    }
    if ("target" in event) {
      numbers[n + Column.targetPid] = event.target.pid;
      numbers[n + Column.target] = program(refKey(event.target), event.target.exe);
    }
    if (event.type === "exit") numbers[n + Column.exitStatus] = event.exit.code | (event.exit.signal << 8);
    const b = row * BIGINTS;
    bigints[b] = timeToNs(event.time);
    let cgroup = cgroups.get(p.cgroupId);
    if (cgroup === undefined) {
      cgroup = BigInt.asIntN(64, BigInt(p.cgroupId));
      cgroups.set(p.cgroupId, cgroup);
    }
    bigints[b + 1] = cgroup;
    const compact = compactId(event.id, event.type);
    // A thread id of 0xffffffff would read back as NULL, the process's own: such an id is kept as text.
    const id = compact?.tid === 0xffffffff && compact.tid !== p.tid ? null : compact;
    if (id) {
      let boot = boots.get(id.boot);
      if (boot === undefined) {
        boot = rows.boots.push(id.boot) - 1;
        boots.set(id.boot, boot);
      }
      numbers[n + Column.boot] = boot;
      bigints[b + 2] = id.ktime;
      if (id.tid !== p.tid) numbers[n + Column.idTid] = id.tid;
    } else {
      rows.eventIds.push([row, event.id]);
    }
    const more = detail(event);
    if (more !== null) rows.details.push([row, more]);
    if (isNotable(event)) rows.notable.push({ row, event });
  }
  return rows;
}

// The canonical JSON that identifies a program or file row (its digest is the row's key): keep these forms, or
// every program and file stored before would be stored again.
const programKey = (p: Process) =>
  JSON.stringify([p.comm, p.exe, p.filename, p.argv, p.cwd, p.containerId, p.sha256, p.exeDeleted, p.memfd]);
const refKey = (r: ProcessRef) => JSON.stringify([r.comm, r.exe]);
const fileKey = (f: FileRef) => JSON.stringify([f.path, f.dev, f.inode]);

function detail(event: VigilEvent): string | null {
  let rest: Record<string, unknown> | null = null;
  for (const name in event) {
    if (stored.has(name) || references.has(name) || name === "policy") continue;
    rest ??= {};
    rest[name] = event[name as keyof VigilEvent];
  }
  if (event.policy) {
    rest ??= {};
    rest.policy = event.policy;
  }
  return rest && JSON.stringify(rest);
}
