// Mirrors bpf/include/vigil_abi.h. layout.test.ts checks it against what the compiled sensor reports.

export const ABI_VERSION = 2;
export const FRAME_MAGIC = 0x314c4756;
export const RECORD_MAX = 32768;

export const RecordType = {
  exec: 1,
  fork: 2,
  exit: 3,
  unlink: 4,
  ptrace: 5,
  memWrite: 6,
  hello: 100,
  stats: 101,
  policy: 102,
} as const;

export const KERNEL_KINDS = 8;

export const Flag = {
  argvTruncated: 1 << 0,
  filenameTruncated: 1 << 1,
  exeTruncated: 1 << 2,
  cwdTruncated: 1 << 3,
  exeDetached: 1 << 4,
  interpTruncated: 1 << 5,
  pathTruncated: 1 << 6,
  inodeKnown: 1 << 7,
  dirDetached: 1 << 8,
  pathWalked: 1 << 9,
  atOpen: 1 << 10,
} as const;

export const SensorMode = { tracepoint: 1, lsm: 2 } as const;
export const Verdict = { none: 0, denied: 1, audit: 2 } as const;
export const UnlinkOp = { unlink: 1, rename: 2 } as const;
export const MemMethod = { procMem: 1, processVmWritev: 2, ptracePoke: 3 } as const;

type Field = readonly [offset: number, size: number];
type StructLayout = { size: number; fields: Record<string, Field> };

export const layout = {
  vigil_header: {
    size: 64,
    fields: {
      type: [0, 2],
      flags: [2, 2],
      size: [4, 4],
      ktime_ns: [8, 8],
      cgroup_id: [16, 8],
      pid: [24, 4],
      tid: [28, 4],
      ppid: [32, 4],
      uid: [36, 4],
      euid: [40, 4],
      gid: [44, 4],
      comm: [48, 16],
    },
  },
  vigil_exec: {
    size: 112,
    fields: {
      exe_ino: [64, 8],
      exe_mtime_ns: [72, 8],
      exe_dev: [80, 4],
      exe_nlink: [84, 4],
      argc: [88, 4],
      filename_len: [92, 2],
      interp_len: [94, 2],
      exe_len: [96, 2],
      cwd_len: [98, 2],
      argv_len: [100, 2],
      decision: [104, 8],
    },
  },
  vigil_fork: { size: 72, fields: { child_pid: [64, 4] } },
  vigil_exit: { size: 72, fields: { exit_code: [64, 4] } },
  vigil_unlink: {
    size: 104,
    fields: {
      ino: [64, 8],
      dev: [72, 4],
      running: [76, 4],
      op: [80, 4],
      result: [84, 4],
      path_len: [88, 2],
      dir_len: [90, 2],
      decision: [96, 8],
    },
  },
  vigil_ptrace: {
    size: 96,
    fields: { request: [64, 8], addr: [72, 8], target_pid: [80, 4], result: [84, 4], decision: [88, 8] },
  },
  vigil_mem_write: {
    size: 104,
    fields: {
      addr: [64, 8],
      result: [72, 8],
      target_pid: [80, 4],
      method: [84, 4],
      request: [88, 8],
      decision: [96, 8],
    },
  },
  vigil_hello: {
    size: 88,
    fields: {
      realtime_offset_ns: [64, 8],
      abi_version: [72, 4],
      mode: [76, 4],
      ringbuf_bytes: [80, 4],
      reason_len: [84, 2],
      release_len: [86, 2],
    },
  },
  vigil_stats: {
    size: 200,
    fields: { realtime_offset_ns: [64, 8], emitted: [72, 64], dropped: [136, 64] },
  },
  vigil_decision: { size: 8, fields: { policy_gen: [0, 4], rule: [4, 2], verdict: [6, 2] } },
  vigil_policy_ack: {
    size: 88,
    fields: {
      policy_gen: [64, 4],
      error: [68, 4],
      rules: [72, 4],
      values: [76, 4],
      missing: [80, 4],
      message_len: [84, 2],
    },
  },
} as const satisfies Record<string, StructLayout>;
