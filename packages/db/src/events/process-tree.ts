import type { VigilEvent } from "@vigil/events";
import type Database from "better-sqlite3";
import { typeCodes } from "./codes";
import { type EventRow, eventColumns, eventJoins, rowToEvent } from "./reader";
import { nsToTime } from "./time";

/** One process's life on a host: from its fork (when recorded) to its exit (when it has exited). */
export type ProcessNode = {
  pid: number;
  /** The time this process was forked, or null when it started before the events reach back. */
  start: string | null;
  exit: { time: string; code: number; signal: number } | null;
  /** What it ran, oldest first: a process may exec several times. */
  execs: { time: string; exe: string; argv: string[]; uid: number; cwd: string }[];
  /** exe and comm from its last exec or newest event (for a parent seen only by its child: from the child's) */
  exe: string;
  comm: string;
  uid: number | null;
  ppid: number | null;
  /** unlink_running, ptrace and mem_write events it caused */
  alerts: VigilEvent[];
  children: ProcessNode[];
  /** children left out past the size limit */
  more: number;
};

export type ProcessTree = { ancestors: ProcessNode[]; focus: ProcessNode; truncated: boolean };

const SECURITY = new Set(["unlink_running", "ptrace", "mem_write"]);
/** How far a view reaches: ancestors, processes, levels below the focus, events per process. */
export const processViewLimits = { ancestors: 64, nodes: 400, depth: 24, events: 1000 } as const;
const { ancestors: MAX_ANCESTORS, nodes: MAX_NODES, depth: MAX_DEPTH } = processViewLimits;
const FOREVER = 2n ** 63n - 1n;

/** A process's node from its events (oldest first, at least one), its start and its exit. */
export function processNode(
  pid: number,
  start: bigint | null,
  exit: ProcessNode["exit"],
  events: VigilEvent[],
): ProcessNode {
  // What it ran last says what it is; without an exec recorded, its newest event does.
  const newest = [...events].reverse().find((e) => e.type === "exec") ?? (events.at(-1) as VigilEvent);
  return {
    pid,
    start: start === null ? null : nsToTime(start),
    exit,
    execs: events
      .filter((e) => e.type === "exec")
      .map((e) => ({
        time: e.time,
        exe: e.process.exe,
        argv: e.process.argv,
        uid: e.process.uid,
        cwd: e.process.cwd,
      })),
    exe: newest.process.exe,
    comm: newest.process.comm,
    uid: newest.process.uid,
    ppid: (events[0] as VigilEvent).process.ppid,
    alerts: events.filter((e) => SECURITY.has(e.type)),
    children: [],
    more: 0,
  };
}

/** A parent seen only through its child's events (`first`): the sensor names the parent in exec and fork events. */
export function seenParent(ppid: number, first: VigilEvent): ProcessNode {
  const seen = first.type === "exec" || first.type === "fork" ? first.parent : null;
  return {
    pid: ppid,
    start: null,
    exit: null,
    execs: [],
    exe: seen?.exe ?? "",
    comm: seen?.comm ?? "",
    uid: null,
    ppid: null,
    alerts: [],
    children: [],
    more: 0,
  };
}

/**
 * The process `pid` on `hostId` as it was at `atNs`: its ancestry up to the oldest recorded ancestor (or init)
 * and the subtree of what it forked, each process with what it ran, its exit and the security events it caused.
 * A pid is reused, so each process is found by time: the newest fork of that pid at or before the moment.
 */
export async function processTree(
  sqlite: Database.Database,
  hostId: number,
  pid: number,
  atNs: bigint,
): Promise<ProcessTree | null> {
  // Each query names its index: without statistics (the store never runs ANALYZE) SQLite would walk the host's
  // events by time instead, 10-100x slower. A pid's own events are few (a pid is reused, a few hundred at most).
  const startOf = sqlite
    .prepare(
      `SELECT max(time_ns) FROM events INDEXED BY events_host_pid_idx
       WHERE host_id = ? AND pid = ? AND type = ${typeCodes.fork} AND time_ns <= ?`,
    )
    .pluck()
    .safeIntegers(true);
  const exitOf = sqlite
    .prepare(
      `SELECT time_ns, exit_status FROM events INDEXED BY events_host_pid_idx
       WHERE host_id = ? AND pid = ? AND type = ${typeCodes.exit}
       AND time_ns >= ? ORDER BY time_ns LIMIT 1`,
    )
    .safeIntegers(true);
  const eventsOf = sqlite
    .prepare(
      `SELECT ${eventColumns} FROM events e INDEXED BY events_host_pid_idx ${eventJoins}
       WHERE e.host_id = ? AND e.pid = ? AND e.time_ns >= ? AND e.time_ns <= ? ORDER BY e.time_ns, e.seq LIMIT 1000`,
    )
    .safeIntegers(true);
  const childrenOf = sqlite
    .prepare(
      `SELECT pid, time_ns FROM events INDEXED BY events_children_idx
       WHERE host_id = ? AND parent_pid = ? AND type = ${typeCodes.fork}
       AND time_ns >= ? AND time_ns <= ? ORDER BY time_ns LIMIT ?`,
    )
    .safeIntegers(true);

  let nodes = 0;
  let truncated = false;

  /** The process pid alive at atNs, or null when no event of it exists around then. */
  function life(p: number, at: bigint): ProcessLife | null {
    const start = (startOf.get(hostId, p, at) as bigint | null) ?? null;
    const exit = exitOf.get(hostId, p, at) as { time_ns: bigint; exit_status: bigint | null } | undefined;
    const end = exit?.time_ns ?? FOREVER;
    const rows = eventsOf.all(hostId, p, start ?? 0n, end) as EventRow[];
    if (rows.length === 0) return null;
    const events = rows.map(rowToEvent);
    const status = exit?.exit_status ?? 0n;
    const ended = exit && {
      time: nsToTime(exit.time_ns),
      code: Number(status & 0xffn),
      signal: Number(status >> 8n),
    };
    const node = processNode(p, start, ended ?? null, events);
    // Its parent is looked up as of its fork or, unrecorded, its first event.
    const since = start ?? (rows[0] as EventRow).time_ns;
    return { node, start: start ?? 0n, since, end, first: events[0] as VigilEvent };
  }

  function grow(node: ProcessNode, from: bigint, to: bigint, depth: number) {
    if (depth >= MAX_DEPTH) return;
    const room = MAX_NODES - nodes;
    const forks = childrenOf.all(hostId, node.pid, from, to, Math.max(room, 0) + 1) as {
      pid: bigint;
      time_ns: bigint;
    }[];
    for (const fork of forks) {
      if (nodes >= MAX_NODES) {
        node.more++;
        truncated = true;
        continue;
      }
      const child = life(Number(fork.pid), fork.time_ns);
      if (!child) continue;
      nodes++;
      node.children.push(child.node);
      grow(child.node, child.start, child.end, depth + 1);
    }
  }

  const focus = life(pid, atNs);
  if (!focus) return null;
  nodes = 1;
  grow(focus.node, focus.start, focus.end, 0);

  return { ancestors: await ancestry(focus, life), focus: focus.node, truncated };
}

/** A process's life as the views find it: its node, and what growing it and finding its parent need. */
export type ProcessLife = { node: ProcessNode; start: bigint; since: bigint; end: bigint; first: VigilEvent };

/**
 * The ancestors of `focus`, oldest first: each the life of its child's parent pid as of the child's start, up to
 * the oldest recorded (or init); the first parent with no events of its own is known only through its child's.
 */
export async function ancestry(
  focus: ProcessLife,
  lifeOf: (pid: number, at: bigint) => ProcessLife | null | Promise<ProcessLife | null>,
): Promise<ProcessNode[]> {
  const ancestors: ProcessNode[] = [];
  let child = focus;
  for (let i = 0; i < MAX_ANCESTORS && child.node.ppid !== null && child.node.ppid > 0; i++) {
    const parent = await lifeOf(child.node.ppid, child.since);
    if (!parent) {
      ancestors.unshift(seenParent(child.node.ppid, child.first));
      break;
    }
    ancestors.unshift(parent.node);
    child = parent;
  }
  return ancestors;
}
