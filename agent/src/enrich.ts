import { posix } from "node:path";
import type { Host } from "@vigil/events";
import type { ExecRecord, Header, KernelRecord, UnlinkRecord } from "./decode/records";
import { errnoName, ptraceRequestName, rfc3339Nanos, userDev } from "./names";
import { type ProcessInfo, ProcessTable, readProc } from "./process-table";

const MEMFD_PREFIX = "memfd:";
const quote = JSON.stringify;

/**
 * Turns kernel records into the event JSON of the design (one object per line), using the process table for what
 * the kernel lacks. It writes the JSON text directly: fork and exit events, two thirds of the stream, reuse the
 * text of their process's exe, argv and cwd written once at its exec. Tests check every line against the schema.
 */
export class Enricher {
  sensor: "tracepoint" | "lsm" = "tracepoint";
  private realtimeOffsetNs = 0n;
  private readonly hostJson: string;

  constructor(
    host: Host,
    private readonly bootId: string,
    readonly table: ProcessTable = new ProcessTable(),
  ) {
    this.hostJson = quote(host);
  }

  /** The event JSON for a record, or null when the record only updates state (or describes no event). */
  toJson(record: KernelRecord): string | null {
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
        const process = this.process(
          header,
          child,
          `"pid":${child.pid},"tid":${child.pid},"ppid":${header.pid}`,
        );
        return `${this.base(header, "fork", process)},"parent":${this.ref(header.pid)}}`;
      }
      case "exit": {
        const { header, exitCode } = record;
        if (!this.table.isLive(header.pid) && this.table.get(header.pid)) return null; // the last two threads both saw live == 0
        const event = `${this.base(header, "exit", this.process(header))},"exit":{"code":${(exitCode >> 8) & 0xff},"signal":${exitCode & 0x7f}}}`;
        this.table.exit(header.pid);
        return event;
      }
      case "unlink":
        return this.unlink(record);
      case "ptrace": {
        const error = record.result < 0 ? `,"error":"${errnoName(record.result)}"` : "";
        const request = quote(ptraceRequestName(record.request));
        return `${this.base(record.header, "ptrace", this.process(record.header))},"request":${request},"target":${this.ref(record.targetPid)}${error}}`;
      }
      case "mem_write": {
        const outcome =
          record.result < 0n
            ? `,"error":"${errnoName(Number(record.result))}"`
            : record.atOpen
              ? ""
              : `,"bytes":${record.result}`;
        return `${this.base(record.header, "mem_write", this.process(record.header))},"method":"${record.method}","target":${this.ref(record.targetPid)}${outcome}}`;
      }
    }
  }

  private exec(record: ExecRecord): string {
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
    let flags = record.exeNlink === 0 ? `,"exeDeleted":true` : "";
    if (record.exe.detached && record.exe.path.startsWith(MEMFD_PREFIX)) flags += `,"memfd":true`;
    const script =
      record.interp === null
        ? ""
        : `,"script":{"path":${quote(posix.resolve(record.cwd, record.filename))},"interpreter":${quote(record.interp)}}`;
    const truncated = record.truncated.length > 0 ? `,"truncated":${quote(record.truncated)}` : "";
    const file = `{"path":${quote(info.exe)},"dev":${info.exeDev},"inode":"${info.exeIno}"}`;
    const process = this.process(header, info, undefined, flags);
    return `${this.base(header, "exec", process)},"parent":${this.ref(header.ppid)},"file":${file}${script}${truncated}}`;
  }

  private unlink(record: UnlinkRecord): string | null {
    let path = record.path;
    let dev = userDev(record.dev);
    let inode = record.ino;
    let pids: number[];
    if (record.inodeKnown) {
      if (record.running === 0) return null;
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
    const truncated = record.truncated ? `,"truncated":["file.path"]` : "";
    const file = `{"path":${quote(path)},"dev":${dev},"inode":"${inode}"}`;
    return `${this.base(record.header, "unlink_running", this.process(record.header))},"file":${file},"running":{"pids":[${pids.join(",")}]}${truncated}}`;
  }

  /** An event's fields up to and including its process, left open for the type's own fields. */
  private base(header: Header, type: string, process: string): string {
    const id = `${this.bootId}-${header.ktimeNs.toString(36)}-${header.tid.toString(36)}-${type}`;
    const time = rfc3339Nanos(header.ktimeNs + this.realtimeOffsetNs);
    return `{"id":"${id}","type":"${type}","time":"${time}","host":${this.hostJson},"sensor":"${this.sensor}","verdict":"allowed","policy":null,"process":${process}`;
  }

  private process(
    header: Header,
    info = this.table.get(header.pid),
    ids = `"pid":${header.pid},"tid":${header.tid},"ppid":${header.ppid}`,
    flags = "",
  ): string {
    const identity = `"uid":${header.uid},"euid":${header.euid},"gid":${header.gid},"comm":${quote(header.comm)}`;
    return `{${ids},${identity},${info ? programJson(info) : EMPTY_PROGRAM},"cgroupId":"${header.cgroupId}"${flags}}`;
  }

  /** A process named by pid (a target, a parent): the table, else /proc while it still exists. */
  private ref(pid: number): string {
    // Not added to the table: the pid may be a thread's, whose exit is never reported.
    const info = this.table.get(pid) ?? readProc("/proc", pid);
    return `{"pid":${pid},"exe":${quote(info?.exe ?? "")},"comm":${quote(info?.comm ?? "")}}`;
  }
}

const EMPTY_PROGRAM = `"exe":"","filename":"","argv":[],"cwd":""`;

/** What a process runs, as JSON members; written once per exec and shared by its forks. */
function programJson(info: ProcessInfo): string {
  info.json ??= `"exe":${quote(info.exe)},"filename":${quote(info.filename)},"argv":${quote(info.argv)},"cwd":${quote(info.cwd)}`;
  return info.json;
}
