import type { Severity } from "@vigil/db";
import type { VigilEvent } from "@vigil/events";

export type Detection = {
  rule: string;
  severity: Severity;
  title: string;
  matches: (event: VigilEvent) => boolean;
};

/** Tools whose job is to attach to processes; their ptrace is expected. */
const debuggers = new Set([
  "gdb",
  "lldb",
  "lldb-server",
  "strace",
  "ltrace",
  "rr",
  "perf",
  "dlv",
  "valgrind",
  "gdbserver",
]);
const attachRequests = new Set(["PTRACE_ATTACH", "PTRACE_SEIZE"]);
const basename = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** The detections every Vigil ships: the three KRSI samples. */
export const builtInDetections: Detection[] = [
  {
    rule: "unlink-running",
    severity: "high",
    title: "A running executable was deleted or replaced",
    matches: (e) => e.type === "unlink_running",
  },
  {
    rule: "ptrace-attach",
    severity: "high",
    title: "A process that is not a debugger attached to another with ptrace",
    matches: (e) =>
      e.type === "ptrace" &&
      attachRequests.has(e.request) &&
      !debuggers.has(basename(e.process.exe)) &&
      !debuggers.has(e.process.comm),
  },
  {
    rule: "mem-write",
    severity: "critical",
    title: "A process wrote into another process's memory",
    matches: (e) => e.type === "mem_write" && e.target.pid !== e.process.pid,
  },
];
