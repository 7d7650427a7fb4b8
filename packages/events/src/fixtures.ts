import type { EventType } from "./event-type";

const envelope = {
  time: "2026-11-28T22:09:18.123456789Z",
  host: { id: "host-7f3a", name: "web-1" },
  sensor: "tracepoint",
  verdict: "allowed",
  policy: null,
  process: {
    pid: 4242,
    tid: 4242,
    ppid: 4100,
    uid: 1000,
    euid: 1000,
    gid: 1000,
    comm: "curl",
    exe: "/usr/bin/curl",
    filename: "curl",
    argv: ["curl", "-s", "https://example.com"],
    cwd: "/home/ana",
    cgroupId: "18446744073709551615",
  },
};

const parent = { pid: 4100, exe: "/usr/bin/bash", comm: "bash" };
const target = { pid: 4300, exe: "/usr/sbin/sshd", comm: "sshd" };

export function validEvent(type: EventType): Record<string, unknown> {
  const base = { ...structuredClone(envelope), id: `evt-${type}`, type };
  switch (type) {
    case "exec":
      return { ...base, parent, file: { path: "/usr/bin/curl", dev: 2049, inode: "131077" } };
    case "unlink_running":
      return { ...base, file: { path: "/tmp/x", dev: 2049, inode: "9001" }, running: { pids: [4300, 4301] } };
    case "ptrace":
      return { ...base, request: "PTRACE_ATTACH", target };
    case "mem_write":
      return { ...base, method: "proc_mem", target, bytes: 64 };
    case "fork":
      return { ...base, parent };
    case "exit":
      return { ...base, exit: { code: 0, signal: 0 } };
  }
}
