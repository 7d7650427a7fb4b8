import {
  ancestry,
  nsToTime,
  type ProcessLife,
  type ProcessTree,
  processNode,
  processViewLimits,
  typeCodes,
} from "@vigil/db";
import type { VigilEvent } from "@vigil/events";
import { int, list, str } from "./literal";

// As packages/db/src/events/process-tree.ts, whose answers these must be.
const { nodes: MAX_NODES, depth: MAX_DEPTH, events: MAX_EVENTS } = processViewLimits;
const FOREVER = 2n ** 63n - 1n;
const NEVER = -(2n ** 63n);

type Rows = <T>(query: string) => Promise<T[]>;
type Stored = { t: string; pid: number; type: number; json: string };

/**
 * The process view on ClickHouse: what processTree answers on SQLite, found a level of the tree at a time (a few
 * queries each) rather than a process at a time, since each query there reads the host's events of the time span.
 */
export async function clickhouseProcessTree(
  rows: Rows,
  events: string,
  host: string,
  pid: number,
  atNs: bigint,
): Promise<ProcessTree | null> {
  const onHost = `host_id = ${str(host)}`;

  /** Events of these pids (or, `of: "parent_pid"`, their children's) from `fromNs` to `toNs`, oldest first. */
  const eventsOf = (pids: number[], fromNs: bigint, toNs: bigint, extra = "", of = "pid") =>
    rows<Stored>(
      `SELECT toString(time_ns) AS t, pid, type, any(event) AS json FROM ${events}
       WHERE ${onHost} AND ${of} IN (${list(pids.map(int))}) AND time_ns >= ${int(fromNs)} AND time_ns <= ${int(toNs)}
         ${extra}
       GROUP BY time_ns, key, pid, type ORDER BY time_ns, key`,
    );

  /** The processes alive at each `at`: their start, when known (a fork seen), else found first. */
  async function lives(
    wanted: { pid: number; at: bigint; start?: bigint }[],
  ): Promise<(ProcessLife | null)[]> {
    if (wanted.length === 0) return [];
    const starts: (bigint | null)[] = [];
    for (const w of wanted) {
      if (w.start !== undefined) {
        starts.push(w.start);
        continue;
      }
      const [fork] = await rows<{ t: string }>(
        `SELECT toString(time_ns) AS t FROM ${events}
         WHERE ${onHost} AND pid = ${int(w.pid)} AND type = ${typeCodes.fork} AND time_ns <= ${int(w.at)}
         ORDER BY time_ns DESC LIMIT 1`,
      );
      starts.push(fork ? BigInt(fork.t) : null);
    }
    const pids = [...new Set(wanted.map((w) => w.pid))];
    const exits = await eventsOf(pids, min(wanted.map((w) => w.at)), FOREVER, `AND type = ${typeCodes.exit}`);
    // Each one's exit: the first of its pid at or after the moment asked about.
    const exitOf = wanted.map((w) => exits.find((e) => e.pid === w.pid && BigInt(e.t) >= w.at));
    const ends = exitOf.map((e) => (e ? BigInt(e.t) : FOREVER));
    const from = min(starts.map((s) => s ?? NEVER));
    const stored = await eventsOf(pids, from, max(ends));
    return wanted.map((w, i) => {
      const start = starts[i] ?? null;
      const own = stored.filter(
        (s) => s.pid === w.pid && BigInt(s.t) >= (start ?? NEVER) && BigInt(s.t) <= (ends[i] as bigint),
      );
      return life(w.pid, start, exitOf[i], own.slice(0, MAX_EVENTS));
    });
  }

  const [focus] = await lives([{ pid, at: atNs }]);
  if (!focus) return null;
  let nodes = 1;
  let truncated = false;

  // The subtree, a level at a time: the forks of the level's processes within their lives, then the children's lives.
  let level: ProcessLife[] = [focus];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const forks = await eventsOf(
      [...new Set(level.map((l) => l.node.pid))],
      min(level.map((l) => l.start)),
      max(level.map((l) => l.end)),
      `AND type = ${typeCodes.fork}`,
      "parent_pid",
    );
    // A fork's parent is the process of its parent pid whose life holds it (pids are reused).
    const children: { parent: ProcessLife; pid: number; at: bigint; start: bigint }[] = [];
    for (const parent of level) {
      for (const fork of forks) {
        const event = JSON.parse(fork.json) as VigilEvent;
        const parentPid = "parent" in event && event.parent ? event.parent.pid : -1;
        const at = BigInt(fork.t);
        if (parent.node.pid !== parentPid || at < parent.start || at > parent.end) continue;
        if (nodes + children.length >= MAX_NODES) {
          parent.node.more++;
          truncated = true;
        } else {
          children.push({ parent, pid: fork.pid, at, start: at });
        }
      }
    }
    const grown = await lives(children);
    level = [];
    children.forEach((child, i) => {
      const life = grown[i];
      if (!life) return;
      nodes++;
      child.parent.node.children.push(life.node);
      level.push(life);
    });
  }

  const ancestors = await ancestry(focus, async (p, at) => (await lives([{ pid: p, at }]))[0] ?? null);
  return { ancestors, focus: focus.node, truncated };
}

function life(
  pid: number,
  start: bigint | null,
  exit: Stored | undefined,
  stored: Stored[],
): ProcessLife | null {
  if (stored.length === 0) return null;
  const events = stored.map((s) => JSON.parse(s.json) as VigilEvent);
  const exited = exit && (JSON.parse(exit.json) as VigilEvent);
  const ended =
    exited?.type === "exit" && exit
      ? { time: nsToTime(BigInt(exit.t)), code: exited.exit.code, signal: exited.exit.signal }
      : null;
  const node = processNode(pid, start, ended, events);
  // Its parent is looked up as of its fork or, unrecorded, its first event.
  const since = start ?? BigInt((stored[0] as Stored).t);
  return {
    node,
    start: start ?? 0n,
    since,
    end: exit ? BigInt(exit.t) : FOREVER,
    first: events[0] as VigilEvent,
  };
}

// Math.min and Math.max take no bigints.
function min(values: bigint[]): bigint {
  let least = values[0] as bigint;
  for (const value of values) if (value < least) least = value;
  return least;
}

function max(values: bigint[]): bigint {
  let most = values[0] as bigint;
  for (const value of values) if (value > most) most = value;
  return most;
}
