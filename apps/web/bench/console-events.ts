import { nsToTime } from "@vigil/db";
import type { VigilEvent } from "@vigil/events";

const commands = ["curl", "python3", "bash", "systemctl", "git", "node", "awk", "sed", "ssh", "tar"];
const securityTypes = ["unlink_running", "ptrace", "mem_write"] as const;

/**
 * Event `n` of `total` for the console benchmark: hosts that run shells which fork children that exec and exit
 * (fork, exec, exit per process, pids reused), one command line in five unique, and now and then an unlink of a
 * running binary, a ptrace attach or a memory write. Times end at `endNs`, `spacingNs` apart.
 */
export function consoleEvent(
  n: number,
  total: number,
  hosts: { id: string; name: string }[],
  endNs: bigint,
  spacingNs: bigint,
): VigilEvent {
  const processIndex = Math.floor(n / 3);
  const host = hosts[processIndex % hosts.length] as { id: string; name: string };
  const command = (processIndex * 7919) % 2000;
  const name = commands[command % commands.length] as string;
  const exe = `/usr/bin/${name}`;
  const argv = [name, `--job=${command}`, `/srv/data/${command % 97}/input.txt`];
  if (processIndex % 5 === 0) argv.push(`https://api.internal.example/items/${processIndex}`);
  const pid = 10_000 + (Math.floor(processIndex / hosts.length) % 50_000);
  const shell = 1000 + (command % 50);
  const timeNs = endNs - BigInt(total - n) * spacingNs;
  const base = {
    id: `b00t-${timeNs.toString(16)}-${pid.toString(16)}`,
    time: nsToTime(timeNs),
    host,
    sensor: "tracepoint" as const,
    verdict: "allowed" as const,
    policy: null,
    process: {
      pid,
      tid: pid,
      ppid: shell,
      uid: command % 3 === 0 ? 0 : 1000,
      euid: command % 3 === 0 ? 0 : 1000,
      gid: 1000,
      comm: name,
      exe,
      filename: exe,
      argv,
      cwd: `/srv/app${command % 13}`,
      cgroupId: String(4000 + (command % 40)),
    },
  };
  const parent = { pid: shell, exe: "/usr/bin/bash", comm: "bash" };
  if (n % 2003 === 0) {
    const type = securityTypes[(n / 2003) % 3];
    const target = { pid: shell, exe: "/usr/bin/bash", comm: "bash" };
    if (type === "unlink_running")
      return {
        ...base,
        id: `${base.id}-unlink_running`,
        type,
        file: { path: exe, dev: 2049, inode: "1000" },
        running: { pids: [pid] },
      };
    if (type === "ptrace")
      return { ...base, id: `${base.id}-ptrace`, type, request: "PTRACE_ATTACH", target };
    return { ...base, id: `${base.id}-mem_write`, type: "mem_write", method: "proc_mem", target, bytes: 64 };
  }
  switch (n % 3) {
    case 0:
      return { ...base, id: `${base.id}-fork`, type: "fork", parent };
    case 1:
      return {
        ...base,
        id: `${base.id}-exec`,
        type: "exec",
        parent,
        file: { path: exe, dev: 2049, inode: String(100_000 + (command % 10)) },
      };
    default:
      return {
        ...base,
        id: `${base.id}-exit`,
        type: "exit",
        exit: { code: command % 7 === 0 ? 1 : 0, signal: 0 },
      };
  }
}
