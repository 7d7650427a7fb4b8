import type { VigilEvent } from "@vigil/events";

/** The event types a rule can be about; fork and exit are bookkeeping, not decisions. */
export const ruleEventTypes = ["exec", "unlink_running", "ptrace", "mem_write"] as const;
export type RuleEventType = (typeof ruleEventTypes)[number];

/**
 * How a field is matched: `glob` (a list of glob patterns, any may match), `argv` (contains / regex on the command
 * line), `id` (a list of numbers), `choice` (a list of names from a fixed set).
 */
export type FieldKind = "glob" | "argv" | "id" | "choice";

export type Field = {
  name: string;
  kind: FieldKind;
  about: string;
  /** The event types that carry the field. */
  on: readonly RuleEventType[];
  /** Where an LSM hook (or the agent, for what is fixed per host) can decide on it, so a deny rule may use it. */
  kernel: readonly RuleEventType[];
  choices?: readonly string[];
  read: (event: VigilEvent) => string | number | readonly string[] | undefined;
};

const all = ruleEventTypes;
const targetOf = (e: VigilEvent) => ("target" in e ? e.target : undefined);

export const ptraceRequests = [
  "PTRACE_ATTACH",
  "PTRACE_SEIZE",
  "PTRACE_TRACEME",
  "PTRACE_POKETEXT",
  "PTRACE_POKEDATA",
  "PTRACE_POKEUSER",
  "PTRACE_SETREGS",
  "PTRACE_SETFPREGS",
  "PTRACE_PEEKTEXT",
  "PTRACE_PEEKDATA",
  "PTRACE_CONT",
  "PTRACE_DETACH",
] as const;

export const fields: readonly Field[] = [
  {
    name: "process.exe",
    kind: "glob",
    about: "the acting process's executable (for exec: the program being started)",
    on: all,
    kernel: all,
    read: (e) => e.process.exe,
  },
  {
    name: "process.filename",
    kind: "glob",
    about: "the path given to execve",
    on: all,
    kernel: ["exec"],
    read: (e) => e.process.filename,
  },
  {
    name: "process.comm",
    kind: "glob",
    about: "the process's command name (15 characters at most)",
    on: all,
    kernel: [],
    read: (e) => e.process.comm,
  },
  {
    name: "process.argv",
    kind: "argv",
    about: "the command line: `contains` (any argument containing any of the strings) or `regex`",
    on: all,
    kernel: [],
    read: (e) => e.process.argv,
  },
  {
    name: "process.uid",
    kind: "id",
    about: "real user id",
    on: all,
    kernel: all,
    read: (e) => e.process.uid,
  },
  {
    name: "process.user",
    kind: "glob",
    about: "the name of the real user id on the host (the agent decides it there, so a deny may use it)",
    on: all,
    kernel: all,
    read: (e) => e.process.user,
  },
  {
    name: "process.euid",
    kind: "id",
    about: "effective user id",
    on: all,
    kernel: all,
    read: (e) => e.process.euid,
  },
  {
    name: "process.cgroupId",
    kind: "id",
    about: "the cgroup v2 id",
    on: all,
    kernel: all,
    read: (e) => e.process.cgroupId,
  },
  {
    name: "process.containerId",
    kind: "glob",
    about: "the container id, when the process runs in one",
    on: all,
    kernel: [],
    read: (e) => e.process.containerId,
  },
  {
    name: "parent.exe",
    kind: "glob",
    about: "the executable of the process that started it",
    on: ["exec"],
    kernel: [],
    read: (e) => ("parent" in e ? e.parent?.exe : undefined),
  },
  {
    name: "file.path",
    kind: "glob",
    about: "exec: the executable; unlink_running: the file removed or replaced",
    on: ["exec", "unlink_running"],
    kernel: ["exec", "unlink_running"],
    read: (e) => ("file" in e ? e.file.path : undefined),
  },
  {
    name: "target.exe",
    kind: "glob",
    about: "the executable of the process traced or written into",
    on: ["ptrace", "mem_write"],
    kernel: ["ptrace", "mem_write"],
    read: (e) => targetOf(e)?.exe,
  },
  {
    name: "target.comm",
    kind: "glob",
    about: "the command name of the process traced or written into",
    on: ["ptrace", "mem_write"],
    kernel: [],
    read: (e) => targetOf(e)?.comm,
  },
  {
    name: "target.self",
    kind: "choice",
    about: "true when the process writes into or traces itself (/proc/self/mem)",
    on: ["ptrace", "mem_write"],
    kernel: ["ptrace", "mem_write"],
    choices: ["true", "false"],
    read: (e) => {
      const target = targetOf(e);
      return target ? String(target.pid === e.process.pid) : undefined;
    },
  },
  {
    name: "request",
    kind: "choice",
    about: "the ptrace request",
    on: ["ptrace"],
    kernel: [],
    choices: ptraceRequests,
    read: (e) => (e.type === "ptrace" ? e.request : undefined),
  },
  {
    name: "method",
    kind: "choice",
    about: "how the memory was written",
    on: ["mem_write"],
    kernel: [],
    choices: ["proc_mem", "process_vm_writev", "ptrace_poke"],
    read: (e) => (e.type === "mem_write" ? e.method : undefined),
  },
  {
    name: "host.name",
    kind: "glob",
    about: "the host's name (fixed per host: the agent applies it when it compiles the policy)",
    on: all,
    kernel: all,
    read: (e) => e.host.name,
  },
];

export const fieldByName = new Map(fields.map((f) => [f.name, f]));

/** What a message template may name besides the fields: numbers and names an event of the type has. */
export const messageOnlyNames: Record<
  string,
  { on: readonly RuleEventType[]; read: (e: VigilEvent) => unknown }
> = {
  "process.pid": { on: all, read: (e) => e.process.pid },
  "process.ppid": { on: all, read: (e) => e.process.ppid },
  "parent.pid": { on: ["exec"], read: (e) => ("parent" in e ? e.parent?.pid : undefined) },
  "parent.comm": { on: ["exec"], read: (e) => ("parent" in e ? e.parent?.comm : undefined) },
  "target.pid": { on: ["ptrace", "mem_write"], read: (e) => targetOf(e)?.pid },
  "host.id": { on: all, read: (e) => e.host.id },
  type: { on: all, read: (e) => e.type },
};

/** The names a message of a rule on `on` may use, in braces. */
export function messageNames(on: RuleEventType): string[] {
  return [
    ...fields.filter((f) => f.on.includes(on)).map((f) => f.name),
    ...Object.entries(messageOnlyNames)
      .filter(([, n]) => n.on.includes(on))
      .map(([name]) => name),
  ];
}
