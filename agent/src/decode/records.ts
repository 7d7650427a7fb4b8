import { Flag, KERNEL_KINDS, layout, MemMethod, RECORD_MAX, RecordType, UnlinkOp, Verdict } from "./abi";
import { cString, splitNul, text } from "./text";

export class DecodeError extends Error {}

export type Header = {
  type: number;
  flags: number;
  size: number;
  /** boot-clock nanoseconds, as two 32-bit halves: a BigInt per record costs more than the rest of its header */
  ktimeHigh: number;
  ktimeLow: number;
  cgroupId: string;
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  euid: number;
  gid: number;
  comm: string;
};

/** What the kernel's policy decided (LSM mode): the generation and slot of the deciding rule; null when none did. */
export type KernelDecision = { generation: number; rule: number; verdict: "denied" | "audit" } | null;

/** A walked path: leaf-first components; detached = it did not end at the root of the mount tree. */
export type WalkedPath = { path: string; detached: boolean };

export type ExecRecord = {
  kind: "exec";
  header: Header;
  exeIno: string; // u64 as decimal: only printed and compared
  exeMtimeNs: bigint;
  exeDev: number;
  exeNlink: number;
  argc: number;
  filename: string;
  interp: string | null;
  exe: WalkedPath;
  cwd: string;
  argv: string[];
  truncated: string[];
  decision: KernelDecision;
};
export type ForkRecord = { kind: "fork"; header: Header; childPid: number };
export type ExitRecord = { kind: "exit"; header: Header; exitCode: number };
export type UnlinkRecord = {
  kind: "unlink";
  header: Header;
  op: "unlink" | "rename";
  inodeKnown: boolean;
  /** path was walked from the dentry to its filesystem's root, not given to a syscall */
  pathWalked: boolean;
  ino: string;
  dev: number;
  /** processes executing the file, by the kernel's count (when inodeKnown) */
  running: number;
  result: number;
  path: string;
  dir: string | null;
  truncated: boolean;
  decision: KernelDecision;
};
export type PtraceRecord = {
  kind: "ptrace";
  header: Header;
  request: bigint;
  addr: bigint;
  targetPid: number;
  result: number;
  decision: KernelDecision;
};
export type MemWriteRecord = {
  kind: "mem_write";
  header: Header;
  method: "proc_mem" | "process_vm_writev" | "ptrace_poke";
  /** seen at the access check (LSM: the open of /proc/PID/mem, process_vm_writev), before any byte: no byte count */
  atOpen: boolean;
  addr: bigint;
  result: bigint;
  targetPid: number;
  request: bigint;
  decision: KernelDecision;
};
export type HelloRecord = {
  kind: "hello";
  header: Header;
  realtimeOffsetNs: bigint;
  abiVersion: number;
  mode: "tracepoint" | "lsm";
  ringbufBytes: number;
  reason: string;
  kernelRelease: string;
};
export type StatsRecord = {
  kind: "stats";
  header: Header;
  realtimeOffsetNs: bigint;
  emitted: bigint[];
  dropped: bigint[];
};
export type PolicyAckRecord = {
  kind: "policy";
  header: Header;
  generation: number;
  /** 0, or -errno when the generation was not applied (message says why) */
  error: number;
  rules: number;
  values: number;
  /** listed paths that no longer existed */
  missing: number;
  message: string;
};
export type KernelRecord =
  | ExecRecord
  | ForkRecord
  | ExitRecord
  | UnlinkRecord
  | PtraceRecord
  | MemWriteRecord
  | HelloRecord
  | StatsRecord
  | PolicyAckRecord;

const H = layout.vigil_header.fields;
const E = layout.vigil_exec.fields;
const U = layout.vigil_unlink.fields;
const P = layout.vigil_ptrace.fields;
const M = layout.vigil_mem_write.fields;
const HE = layout.vigil_hello.fields;
const S = layout.vigil_stats.fields;

/** Decodes the record in buf[at, end): the frame reader hands records over in place, without a view of each. */
export function decodeRecord(buf: Buffer, at = 0, end = buf.length): KernelRecord {
  const length = end - at;
  if (length < layout.vigil_header.size) {
    throw new DecodeError(
      `record of ${length} bytes is shorter than its ${layout.vigil_header.size}-byte header`,
    );
  }
  const header = decodeHeader(buf, at);
  if (header.size !== length) {
    throw new DecodeError(`record header says ${header.size} bytes but the frame holds ${length}`);
  }
  switch (header.type) {
    case RecordType.exec:
      return decodeExec(buf, at, end, header);
    case RecordType.fork:
      need(length, layout.vigil_fork.size, "fork");
      return { kind: "fork", header, childPid: buf.readUInt32LE(at + layout.vigil_fork.fields.child_pid[0]) };
    case RecordType.exit:
      need(length, layout.vigil_exit.size, "exit");
      return { kind: "exit", header, exitCode: buf.readUInt32LE(at + layout.vigil_exit.fields.exit_code[0]) };
    case RecordType.unlink:
      return decodeUnlink(buf, at, end, header);
    case RecordType.ptrace:
      need(length, layout.vigil_ptrace.size, "ptrace");
      return {
        kind: "ptrace",
        header,
        request: buf.readBigInt64LE(at + P.request[0]),
        addr: buf.readBigUInt64LE(at + P.addr[0]),
        targetPid: buf.readUInt32LE(at + P.target_pid[0]),
        result: buf.readInt32LE(at + P.result[0]),
        decision: decision(buf, at + P.decision[0]),
      };
    case RecordType.memWrite:
      return decodeMemWrite(buf, at, end, header);
    case RecordType.hello:
      return decodeHello(buf, at, end, header);
    case RecordType.stats:
      need(length, layout.vigil_stats.size, "stats");
      return {
        kind: "stats",
        header,
        realtimeOffsetNs: buf.readBigInt64LE(at + S.realtime_offset_ns[0]),
        emitted: u64Array(buf, at + S.emitted[0]),
        dropped: u64Array(buf, at + S.dropped[0]),
      };
    case RecordType.policy:
      return decodePolicyAck(buf, at, end, header);
    default:
      throw new DecodeError(`unknown record type ${header.type}`);
  }
}

function decodeHeader(buf: Buffer, at: number): Header {
  return {
    type: buf.readUInt16LE(at + H.type[0]),
    flags: buf.readUInt16LE(at + H.flags[0]),
    size: buf.readUInt32LE(at + H.size[0]),
    ktimeHigh: buf.readUInt32LE(at + H.ktime_ns[0] + 4),
    ktimeLow: buf.readUInt32LE(at + H.ktime_ns[0]),
    cgroupId: u64String(buf, at + H.cgroup_id[0]),
    pid: buf.readUInt32LE(at + H.pid[0]),
    tid: buf.readUInt32LE(at + H.tid[0]),
    ppid: buf.readUInt32LE(at + H.ppid[0]),
    uid: buf.readUInt32LE(at + H.uid[0]),
    euid: buf.readUInt32LE(at + H.euid[0]),
    gid: buf.readUInt32LE(at + H.gid[0]),
    comm: cString(buf, at + H.comm[0], at + H.comm[0] + H.comm[1]),
  };
}

function need(length: number, size: number, what: string): void {
  if (length < size) throw new DecodeError(`${what} record of ${length} bytes is shorter than ${size}`);
}

/** Cuts the record's tail into consecutive strings of the given lengths, checking they fit. */
function tail(start: number, end: number, lengths: number[], what: string): Array<[number, number]> {
  const total = lengths.reduce((sum, n) => sum + n, 0);
  if (start + total > end) {
    throw new DecodeError(
      `${what} record: its strings (${lengths.join(" + ")} bytes) run past its end (${end - start} bytes)`,
    );
  }
  let at = start;
  return lengths.map((n) => {
    const span: [number, number] = [at, at + n];
    at += n;
    return span;
  });
}

const pathScratch = Buffer.allocUnsafe(RECORD_MAX * 2);

/** A walked path: its NUL-terminated components come leaf first; the path is them root first, "/"-joined. */
function walked(buf: Buffer, [start, end]: [number, number], detached: boolean): WalkedPath {
  let length = 0;
  let components = 0;
  let componentEnd = buf[end - 1] === 0 ? end - 1 : end; // the last may be cut before its NUL
  while (start < end && componentEnd >= start) {
    let componentStart = componentEnd;
    while (componentStart > start && buf[componentStart - 1] !== 0) componentStart--;
    // A walk that stopped at a filesystem's root (no mount to cross) read that root's name, "/".
    const isRoot = componentEnd - componentStart === 1 && buf[componentStart] === 0x2f;
    if (!isRoot) {
      if (!detached || components > 0) pathScratch[length++] = 0x2f;
      for (let i = componentStart; i < componentEnd; i++) pathScratch[length++] = buf[i] as number; // short: a loop beats a view
      components++;
    }
    componentEnd = componentStart - 1;
  }
  if (!detached && length === 0) return { path: "/", detached };
  return { path: text(pathScratch, 0, length), detached };
}

function decodeExec(buf: Buffer, at: number, end: number, header: Header): ExecRecord {
  need(end - at, layout.vigil_exec.size, "exec");
  const [filename, interp, exe, cwd, argv] = tail(
    at + layout.vigil_exec.size,
    end,
    [E.filename_len, E.interp_len, E.exe_len, E.cwd_len, E.argv_len].map(([offset]) =>
      buf.readUInt16LE(at + offset),
    ),
    "exec",
  ) as [[number, number], [number, number], [number, number], [number, number], [number, number]];
  const flags = header.flags;
  const truncated: string[] = [];
  if (flags & Flag.filenameTruncated) truncated.push("process.filename");
  if (flags & Flag.exeTruncated) truncated.push("process.exe");
  if (flags & Flag.cwdTruncated) truncated.push("process.cwd");
  if (flags & Flag.argvTruncated) truncated.push("process.argv");
  if (flags & Flag.interpTruncated) truncated.push("script.interpreter");
  return {
    kind: "exec",
    header,
    exeIno: u64String(buf, at + E.exe_ino[0]),
    exeMtimeNs: buf.readBigUInt64LE(at + E.exe_mtime_ns[0]),
    exeDev: buf.readUInt32LE(at + E.exe_dev[0]),
    exeNlink: buf.readUInt32LE(at + E.exe_nlink[0]),
    argc: buf.readUInt32LE(at + E.argc[0]),
    filename: cString(buf, filename[0], filename[1]),
    interp: interp[1] > interp[0] ? cString(buf, interp[0], interp[1]) : null,
    exe: walked(buf, exe, (flags & Flag.exeDetached) !== 0),
    cwd: walked(buf, cwd, false).path,
    argv: splitNul(buf, argv[0], argv[1]),
    truncated,
    decision: decision(buf, at + E.decision[0]),
  };
}

const unlinkOps = {
  [UnlinkOp.unlink]: "unlink",
  [UnlinkOp.rename]: "rename",
} as const;

function decodeUnlink(buf: Buffer, at: number, end: number, header: Header): UnlinkRecord {
  need(end - at, layout.vigil_unlink.size, "unlink");
  const opCode = buf.readUInt32LE(at + U.op[0]);
  const op = unlinkOps[opCode as keyof typeof unlinkOps];
  if (!op) throw new DecodeError(`unlink record: unknown operation ${opCode}`);
  const [path, dir] = tail(
    at + layout.vigil_unlink.size,
    end,
    [buf.readUInt16LE(at + U.path_len[0]), buf.readUInt16LE(at + U.dir_len[0])],
    "unlink",
  ) as [[number, number], [number, number]];
  const pathWalked = (header.flags & Flag.pathWalked) !== 0;
  return {
    kind: "unlink",
    header,
    op,
    inodeKnown: (header.flags & Flag.inodeKnown) !== 0,
    pathWalked,
    ino: u64String(buf, at + U.ino[0]),
    dev: buf.readUInt32LE(at + U.dev[0]),
    running: buf.readUInt32LE(at + U.running[0]),
    result: buf.readInt32LE(at + U.result[0]),
    path: pathWalked ? walked(buf, path, false).path : cString(buf, path[0], path[1]),
    dir: dir[1] > dir[0] ? walked(buf, dir, (header.flags & Flag.dirDetached) !== 0).path : null,
    truncated: (header.flags & Flag.pathTruncated) !== 0,
    decision: decision(buf, at + U.decision[0]),
  };
}

const memMethods = {
  [MemMethod.procMem]: "proc_mem",
  [MemMethod.processVmWritev]: "process_vm_writev",
  [MemMethod.ptracePoke]: "ptrace_poke",
} as const;

function decodeMemWrite(buf: Buffer, at: number, end: number, header: Header): MemWriteRecord {
  need(end - at, layout.vigil_mem_write.size, "mem_write");
  const methodCode = buf.readUInt32LE(at + M.method[0]);
  const method = memMethods[methodCode as keyof typeof memMethods];
  if (!method) throw new DecodeError(`mem_write record: unknown method ${methodCode}`);
  return {
    kind: "mem_write",
    header,
    method,
    atOpen: (header.flags & Flag.atOpen) !== 0,
    addr: buf.readBigUInt64LE(at + M.addr[0]),
    result: buf.readBigInt64LE(at + M.result[0]),
    targetPid: buf.readUInt32LE(at + M.target_pid[0]),
    request: buf.readBigInt64LE(at + M.request[0]),
    decision: decision(buf, at + M.decision[0]),
  };
}

function decodeHello(buf: Buffer, at: number, end: number, header: Header): HelloRecord {
  need(end - at, layout.vigil_hello.size, "hello");
  const [reason, release] = tail(
    at + layout.vigil_hello.size,
    end,
    [buf.readUInt16LE(at + HE.reason_len[0]), buf.readUInt16LE(at + HE.release_len[0])],
    "hello",
  ) as [[number, number], [number, number]];
  const modeCode = buf.readUInt32LE(at + HE.mode[0]);
  if (modeCode !== 1 && modeCode !== 2)
    throw new DecodeError(`hello record: unknown sensor mode ${modeCode}`);
  return {
    kind: "hello",
    header,
    realtimeOffsetNs: buf.readBigInt64LE(at + HE.realtime_offset_ns[0]),
    abiVersion: buf.readUInt32LE(at + HE.abi_version[0]),
    mode: modeCode === 2 ? "lsm" : "tracepoint",
    ringbufBytes: buf.readUInt32LE(at + HE.ringbuf_bytes[0]),
    reason: text(buf, reason[0], Math.max(reason[0], reason[1] - 1)),
    kernelRelease: text(buf, release[0], Math.max(release[0], release[1] - 1)),
  };
}

const D = layout.vigil_decision.fields;

function decision(buf: Buffer, offset: number): KernelDecision {
  const verdict = buf.readUInt16LE(offset + D.verdict[0]);
  if (verdict === Verdict.none) return null;
  if (verdict !== Verdict.denied && verdict !== Verdict.audit)
    throw new DecodeError(`unknown verdict ${verdict}`);
  return {
    generation: buf.readUInt32LE(offset + D.policy_gen[0]),
    rule: buf.readUInt16LE(offset + D.rule[0]),
    verdict: verdict === Verdict.denied ? "denied" : "audit",
  };
}

const A = layout.vigil_policy_ack.fields;

function decodePolicyAck(buf: Buffer, at: number, end: number, header: Header): PolicyAckRecord {
  need(end - at, layout.vigil_policy_ack.size, "policy");
  const [message] = tail(
    at + layout.vigil_policy_ack.size,
    end,
    [buf.readUInt16LE(at + A.message_len[0])],
    "policy",
  ) as [[number, number]];
  return {
    kind: "policy",
    header,
    generation: buf.readUInt32LE(at + A.policy_gen[0]),
    error: buf.readInt32LE(at + A.error[0]),
    rules: buf.readUInt32LE(at + A.rules[0]),
    values: buf.readUInt32LE(at + A.values[0]),
    missing: buf.readUInt32LE(at + A.missing[0]),
    message: text(buf, message[0], Math.max(message[0], message[1] - 1)),
  };
}

/** A u64 as a decimal string, without a BigInt in the common case of a value below 2^32. */
function u64String(buf: Buffer, offset: number): string {
  const high = buf.readUInt32LE(offset + 4);
  const low = buf.readUInt32LE(offset);
  return high === 0 ? String(low) : String((BigInt(high) << 32n) | BigInt(low));
}

function u64Array(buf: Buffer, offset: number): bigint[] {
  return Array.from({ length: KERNEL_KINDS }, (_, i) => buf.readBigUInt64LE(offset + 8 * i));
}
