import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";

/** What a process runs: set by its exec, shared by the children it forks until they exec themselves. */
export class Program {
  /** "dev:ino" of the executable, the key of the by-inode index; "" when unknown */
  readonly inodeKey: string;
  /** exe, filename, argv and cwd as JSON members (UTF-8), written on first use */
  json: Buffer | null = null;

  constructor(
    readonly exe: string,
    readonly exeDev: number, // user-space st_dev encoding
    readonly exeIno: string,
    readonly filename: string,
    readonly argv: string[],
    readonly cwd: string,
  ) {
    this.inodeKey = inodeKey(exeDev, exeIno);
  }
}

const UNKNOWN_PROGRAM = new Program("", 0, "0", "", [], "");

// A class, not object literals: every entry has one hidden class, so the hot paths that read them stay optimised.
export class ProcessInfo {
  constructor(
    readonly pid: number,
    readonly ppid: number,
    readonly comm: string,
    readonly program: Program,
  ) {}
}

// Records arrive in kernel order, so an exited process is looked up again only by the races around its exit
// (its last threads exiting together, a child's record written just before): a few hundred are plenty, and a
// short life keeps them out of the garbage collector's old generation.
const RECENT_EXITS = 256;

/** The host's processes, seeded from /proc and kept current from fork, exec and exit records. */
export class ProcessTable {
  private readonly live = new Map<number, ProcessInfo>();
  private readonly exited = new Map<number, ProcessInfo>();
  private readonly byInode = new Map<string, Set<number>>();
  private readonly byPath = new Map<string, Set<number>>();

  seedFromProc(procRoot = "/proc"): number {
    for (const name of readdirSync(procRoot)) {
      if (!/^\d+$/.test(name)) continue;
      const info = readProc(procRoot, Number(name));
      if (info) this.set(info);
    }
    return this.live.size;
  }

  get(pid: number): ProcessInfo | undefined {
    return this.live.get(pid) ?? this.exited.get(pid);
  }

  isLive(pid: number): boolean {
    return this.live.has(pid);
  }

  fork(parentPid: number, childPid: number, comm: string): ProcessInfo {
    const parent = this.get(parentPid);
    const child = new ProcessInfo(childPid, parentPid, comm, parent?.program ?? UNKNOWN_PROGRAM);
    this.set(child);
    return child;
  }

  exec(info: ProcessInfo): void {
    this.set(info);
  }

  exit(pid: number): void {
    const info = this.live.get(pid);
    if (!info) return;
    this.unindex(info);
    this.live.delete(pid);
    this.exited.set(pid, info);
    if (this.exited.size > RECENT_EXITS) {
      const oldest = this.exited.keys().next().value;
      if (oldest !== undefined) this.exited.delete(oldest);
    }
  }

  /** Pids of live processes executing the file (dev, ino). */
  runningInode(dev: number, ino: string): number[] {
    return [...(this.byInode.get(inodeKey(dev, ino)) ?? [])];
  }

  /** Live processes whose executable has this absolute path. */
  runningPath(path: string): ProcessInfo[] {
    return [...(this.byPath.get(path) ?? [])].flatMap((pid) => this.live.get(pid) ?? []);
  }

  private set(info: ProcessInfo): void {
    const previous = this.live.get(info.pid);
    if (previous) this.unindex(previous);
    this.exited.delete(info.pid);
    this.live.set(info.pid, info);
    const { exe, inodeKey } = info.program;
    if (exe) addTo(this.byPath, exe, info.pid);
    if (inodeKey) addTo(this.byInode, inodeKey, info.pid);
  }

  private unindex(info: ProcessInfo): void {
    removeFrom(this.byPath, info.program.exe, info.pid);
    removeFrom(this.byInode, info.program.inodeKey, info.pid);
  }
}

export function inodeKey(dev: number, ino: string): string {
  return ino === "0" ? "" : `${dev}:${ino}`;
}

function addTo(index: Map<string, Set<number>>, key: string, pid: number): void {
  const pids = index.get(key);
  if (pids) pids.add(pid);
  else index.set(key, new Set([pid]));
}

function removeFrom(index: Map<string, Set<number>>, key: string, pid: number): void {
  const pids = index.get(key);
  if (!pids) return;
  pids.delete(pid);
  if (pids.size === 0) index.delete(key);
}

const DELETED_SUFFIX = " (deleted)";

/** One process from /proc, or null when it is gone or a kernel thread. */
export function readProc(procRoot: string, pid: number): ProcessInfo | null {
  const dir = `${procRoot}/${pid}`;
  try {
    const stat = readFileSync(`${dir}/stat`, "latin1");
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const ppid = Number(stat.slice(close + 2).split(" ")[1]);
    let exe: string;
    try {
      exe = readlinkSync(`${dir}/exe`);
    } catch {
      return null; // kernel threads have no executable
    }
    if (exe.endsWith(DELETED_SUFFIX)) exe = exe.slice(0, -DELETED_SUFFIX.length);
    const st = statSync(`${dir}/exe`, { bigint: true });
    const argv = readFileSync(`${dir}/cmdline`).toString("utf8").split("\0");
    if (argv.at(-1) === "") argv.pop();
    let cwd = "";
    try {
      cwd = readlinkSync(`${dir}/cwd`);
    } catch {}
    const program = new Program(exe, Number(st.dev), String(st.ino), argv[0] ?? "", argv, cwd);
    return new ProcessInfo(pid, ppid, comm, program);
  } catch {
    return null;
  }
}
