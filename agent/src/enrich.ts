import { posix } from "node:path";
import type { EventType, Host } from "@vigil/events";
import { WallClock } from "./clock";
import type {
  ExecRecord,
  ExitRecord,
  ForkRecord,
  Header,
  KernelRecord,
  UnlinkRecord,
} from "./decode/records";
import { JsonLine } from "./json-line";
import { errnoName, ptraceRequestName, userDev } from "./names";
import { ProcessInfo, ProcessTable, Program, readProc } from "./process-table";
import { UserNames } from "./users";

const MEMFD_PREFIX = "memfd:";
const EMPTY_PROGRAM = Buffer.from(`"exe":"","filename":"","argv":[],"cwd":""`);
// The agent imports only types from @vigil/events: its zod schemas would cost start-up time and heap.
const TYPE_MEMBERS = Object.fromEntries(
  (["exec", "unlink_running", "ptrace", "mem_write", "fork", "exit"] satisfies EventType[]).map((type) => [
    type,
    Buffer.from(`-${type}","type":"${type}","time":`),
  ]),
) as Record<EventType, Buffer>;

/**
 * Turns kernel records into the event JSON of the design, one line per event, using the process table for what
 * the kernel lacks. Lines are written as bytes (see JsonLine); fork and exit events, two thirds of the stream,
 * copy the bytes of their process's exe, argv and cwd written once at its exec. Tests check every line against
 * the schema.
 */
export class Enricher {
  private readonly clock = new WallClock();
  private readonly line = new JsonLine();
  private readonly idPrefix: Buffer;
  /** The members every event shares between its time and its process: host, sensor, verdict, policy. */
  private afterTime: Buffer = Buffer.alloc(0);

  constructor(
    private readonly host: Host,
    bootId: string,
    readonly table: ProcessTable = new ProcessTable(),
    readonly users: UserNames = new UserNames(),
  ) {
    if (!/^[0-9a-z]+$/.test(bootId)) throw new Error(`boot id ${JSON.stringify(bootId)} is not alphanumeric`);
    this.idPrefix = Buffer.from(`{"id":"${bootId}-`);
    this.setSensor("tracepoint");
  }

  private setSensor(sensor: "tracepoint" | "lsm"): void {
    const host = JSON.stringify(this.host);
    this.afterTime = Buffer.from(
      `,"host":${host},"sensor":"${sensor}","verdict":"allowed","policy":null,"process":`,
    );
  }

  /**
   * The event JSON for a record as UTF-8 bytes, a view valid until the next call; null when the record only
   * updates state (or describes no event).
   */
  write(record: KernelRecord): Buffer | null {
    switch (record.kind) {
      case "hello":
        this.setSensor(record.mode);
        this.clock.setOffset(record.realtimeOffsetNs);
        return null;
      case "stats":
        this.clock.setOffset(record.realtimeOffsetNs);
        return null;
      case "policy":
        return null;
      case "exec":
        return this.exec(record);
      case "fork":
        return this.fork(record);
      case "exit":
        return this.exit(record);
      case "unlink":
        return this.unlink(record);
      case "ptrace": {
        const line = this.begin(record.header, "ptrace");
        this.process(record.header).raw('},"request":').string(ptraceRequestName(record.request));
        line.raw(',"target":');
        this.ref(record.targetPid);
        if (record.result < 0) line.raw(',"error":').string(errnoName(record.result));
        return line.raw("}").bytes();
      }
      case "mem_write": {
        const line = this.begin(record.header, "mem_write");
        this.process(record.header).raw('},"method":"').raw(record.method).raw('","target":');
        this.ref(record.targetPid);
        if (record.result < 0n) line.raw(',"error":').string(errnoName(Number(record.result)));
        else if (!record.atOpen) line.raw(',"bytes":').uint(Number(record.result));
        return line.raw("}").bytes();
      }
    }
  }

  private exec(record: ExecRecord): Buffer {
    const { header } = record;
    const program = new Program(
      record.exe.path,
      userDev(record.exeDev),
      record.exeIno,
      record.filename,
      record.argv,
      record.cwd,
    );
    const info = new ProcessInfo(header.pid, header.ppid, header.comm, program);
    // A denied exec changed nothing: the process runs what it ran before.
    if (record.decision?.verdict !== "denied") this.table.exec(info);
    const line = this.begin(header, "exec");
    this.process(header, info, header.pid, header.tid, header.ppid);
    if (record.exeNlink === 0) line.raw(',"exeDeleted":true');
    if (record.exe.detached && record.exe.path.startsWith(MEMFD_PREFIX)) line.raw(',"memfd":true');
    line.raw('},"parent":');
    this.ref(header.ppid);
    line.raw(',"file":{"path":').string(program.exe).raw(',"dev":').uint(program.exeDev);
    line.raw(',"inode":"').raw(program.exeIno).raw('"}');
    if (record.interp !== null) {
      line.raw(',"script":{"path":').string(posix.resolve(record.cwd, record.filename));
      line.raw(',"interpreter":').string(record.interp).raw("}");
    }
    if (record.truncated.length > 0) line.raw(',"truncated":').strings(record.truncated);
    return line.raw("}").bytes();
  }

  private fork(record: ForkRecord): Buffer {
    const { header } = record;
    const child = this.table.fork(header.pid, record.childPid, header.comm);
    const line = this.begin(header, "fork");
    this.process(header, child, child.pid, child.pid, header.pid).raw('},"parent":');
    this.ref(header.pid);
    return line.raw("}").bytes();
  }

  private exit(record: ExitRecord): Buffer | null {
    const { header, exitCode } = record;
    if (!this.table.isLive(header.pid) && this.table.get(header.pid)) return null; // the last two threads both saw live == 0
    const line = this.begin(header, "exit");
    this.process(header)
      .raw('},"exit":{"code":')
      .uint((exitCode >> 8) & 0xff);
    line
      .raw(',"signal":')
      .uint(exitCode & 0x7f)
      .raw("}}");
    this.table.exit(header.pid);
    return line.bytes();
  }

  private unlink(record: UnlinkRecord): Buffer | null {
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
      dev = first.program.exeDev;
      inode = first.program.exeIno;
    }
    const line = this.begin(record.header, "unlink_running");
    this.process(record.header).raw('},"file":{"path":').string(path);
    line.raw(',"dev":').uint(dev).raw(',"inode":"').raw(inode).raw('"},"running":{"pids":[');
    for (let i = 0; i < pids.length; i++) (i === 0 ? line : line.raw(",")).uint(pids[i] as number);
    line.raw("]}");
    if (record.truncated) line.raw(',"truncated":["file.path"]');
    return line.raw("}").bytes();
  }

  /** Starts an event's line: its fields up to the opening of its process. */
  private begin(header: Header, type: EventType): JsonLine {
    const line = this.line.reset().json(this.idPrefix);
    if (header.ktimeHigh === 0) line.hex(header.ktimeLow);
    else line.hex(header.ktimeHigh).hex8(header.ktimeLow);
    line.raw("-").hex(header.tid).json(TYPE_MEMBERS[type]);
    this.clock.write(line, header.ktimeHigh, header.ktimeLow);
    return line.json(this.afterTime);
  }

  /** The process object of an event, left open for the type's own process fields. */
  private process(
    header: Header,
    info = this.table.get(header.pid),
    pid = header.pid,
    tid = header.tid,
    ppid = header.ppid,
  ): JsonLine {
    const line = this.line.raw('{"pid":').uint(pid).raw(',"tid":').uint(tid).raw(',"ppid":').uint(ppid);
    line.raw(',"uid":').uint(header.uid).raw(',"euid":').uint(header.euid).raw(',"gid":').uint(header.gid);
    const user = this.users.nameOf(header.uid);
    if (user !== undefined) line.raw(',"user":').string(user);
    line.raw(',"comm":').string(header.comm).raw(",");
    if (info) this.program(info.program);
    else line.json(EMPTY_PROGRAM);
    return line.raw(',"cgroupId":"').raw(header.cgroupId).raw('"');
  }

  /** What a process runs, as JSON members; written once per exec and copied for its forks and exit. */
  private program(program: Program): void {
    const line = this.line;
    if (program.json) {
      line.json(program.json);
      return;
    }
    const start = line.length;
    line.raw('"exe":').string(program.exe).raw(',"filename":').string(program.filename);
    line.raw(',"argv":').strings(program.argv).raw(',"cwd":').string(program.cwd);
    program.json = Buffer.from(line.bytes().subarray(start));
  }

  /** A process named by pid (a target, a parent): the table, else /proc while it still exists. */
  private ref(pid: number): void {
    // Not added to the table: the pid may be a thread's, whose exit is never reported.
    const info = this.table.get(pid) ?? readProc("/proc", pid);
    const line = this.line.raw('{"pid":').uint(pid);
    line
      .raw(',"exe":')
      .string(info?.program.exe ?? "")
      .raw(',"comm":')
      .string(info?.comm ?? "")
      .raw("}");
  }
}
