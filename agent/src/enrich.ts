import { posix } from "node:path";
import type { Host, Process, ProcessRef, VigilEvent } from "@vigil/events";
import type { Header, KernelRecord, UnlinkRecord } from "./decode/records";
import { errnoName, ptraceRequestName, rfc3339Nanos, userDev } from "./names";
import { type ProcessInfo, ProcessTable, readProc } from "./process-table";

const MEMFD_PREFIX = "memfd:";

/** Turns kernel records into the event JSON of the design, using the process table for what the kernel lacks. */
export class Enricher {
  sensor: "tracepoint" | "lsm" = "tracepoint";
  private realtimeOffsetNs = 0n;

  constructor(
    private readonly host: Host,
    private readonly bootId: string,
    readonly table: ProcessTable = new ProcessTable(),
  ) {}

  /** The event for a record, or null when the record only updates state (or describes no event). */
  toEvent(record: KernelRecord): VigilEvent | null {
    switch (record.kind) {
      case "hello":
        this.sensor = record.mode;
        this.realtimeOffsetNs = record.realtimeOffsetNs;
        return null;
      case "stats":
        this.realtimeOffsetNs = record.realtimeOffsetNs;
        return null;
      case "exec":
        return this.exec(record);
      case "fork": {
        const { header } = record;
        const child = this.table.fork(header.pid, record.childPid, header.comm);
        const process = this.process(header, child);
        process.pid = child.pid;
        process.tid = child.pid;
        process.ppid = header.pid;
        return Object.assign(this.base(header, "fork", process), { parent: this.ref(header.pid) });
      }
      case "exit": {
        const pid = record.header.pid;
        if (!this.table.isLive(pid) && this.table.get(pid)) return null; // the last two threads both saw live == 0
        const exit = { code: (record.exitCode >> 8) & 0xff, signal: record.exitCode & 0x7f };
        const event = Object.assign(this.base(record.header, "exit", this.process(record.header)), { exit });
        this.table.exit(pid);
        return event;
      }
      case "unlink":
        return this.unlink(record);
      case "ptrace":
        return Object.assign(this.base(record.header, "ptrace", this.process(record.header)), {
          request: ptraceRequestName(record.request),
          target: this.ref(record.targetPid),
          error: record.result < 0 ? errnoName(record.result) : undefined,
        });
      case "mem_write":
        return Object.assign(this.base(record.header, "mem_write", this.process(record.header)), {
          method: record.method,
          target: this.ref(record.targetPid),
          bytes: record.result >= 0n && !record.atOpen ? Number(record.result) : undefined,
          error: record.result < 0n ? errnoName(Number(record.result)) : undefined,
        });
    }
  }

  private exec(record: Extract<KernelRecord, { kind: "exec" }>): VigilEvent {
    const { header } = record;
    const info: ProcessInfo = {
      pid: header.pid,
      ppid: header.ppid,
      comm: header.comm,
      exe: record.exe.path,
      exeDev: userDev(record.exeDev),
      exeIno: record.exeIno,
      filename: record.filename,
      argv: record.argv,
      cwd: record.cwd,
    };
    this.table.exec(info);
    const process = this.process(header, info);
    if (record.exeNlink === 0) process.exeDeleted = true;
    if (record.exe.detached && record.exe.path.startsWith(MEMFD_PREFIX)) process.memfd = true;
    return Object.assign(this.base(header, "exec", process), {
      parent: this.ref(header.ppid),
      file: { path: info.exe, dev: info.exeDev, inode: record.exeIno },
      script:
        record.interp === null
          ? undefined
          : { path: posix.resolve(record.cwd, record.filename), interpreter: record.interp },
      truncated: record.truncated.length > 0 ? record.truncated : undefined,
    });
  }

  private unlink(record: UnlinkRecord): VigilEvent | null {
    let path = record.path;
    let dev = userDev(record.dev);
    let inode = record.ino;
    let pids: number[];
    if (record.inodeKnown) {
      if (record.writecount >= 0) return null;
      pids = this.table.runningInode(dev, inode);
      if (!record.pathWalked) path = posix.resolve(record.dir ?? "/", record.path);
    } else {
      // No filesystem hook saw the inode (tmpfs, xfs, a rename over the file): match the path against executables.
      path = posix.resolve(record.dir ?? "/", record.path);
      const running = this.table.runningPath(path);
      const first = running[0];
      if (!first) return null;
      pids = running.map((p) => p.pid);
      dev = first.exeDev;
      inode = first.exeIno;
    }
    return Object.assign(this.base(record.header, "unlink_running", this.process(record.header)), {
      file: { path, dev, inode },
      running: { pids },
      truncated: record.truncated ? ["file.path"] : undefined,
    });
  }

  /** The fields every event has; JSON leaves out the optional ones set to undefined. */
  private base<T extends VigilEvent["type"]>(header: Header, type: T, process: Process) {
    return {
      id: `${this.bootId}-${header.ktimeNs.toString(36)}-${header.tid.toString(36)}-${type}`,
      type,
      time: rfc3339Nanos(header.ktimeNs + this.realtimeOffsetNs),
      host: this.host,
      sensor: this.sensor,
      verdict: "allowed" as const,
      policy: null,
      process,
    };
  }

  private process(header: Header, info = this.table.get(header.pid)): Process {
    return {
      pid: header.pid,
      tid: header.tid,
      ppid: header.ppid,
      uid: header.uid,
      euid: header.euid,
      gid: header.gid,
      comm: header.comm,
      exe: info?.exe ?? "",
      filename: info?.filename ?? "",
      argv: info?.argv ?? [],
      cwd: info?.cwd ?? "",
      cgroupId: header.cgroupId,
    };
  }

  /** A process named by pid (a target, a parent): the table, else /proc while it still exists. */
  private ref(pid: number): ProcessRef {
    // Not added to the table: the pid may be a thread's, whose exit is never reported.
    const info = this.table.get(pid) ?? readProc("/proc", pid);
    return { pid, exe: info?.exe ?? "", comm: info?.comm ?? "" };
  }
}
