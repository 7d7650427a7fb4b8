import { nsToTime } from "@vigil/db";
import type { VigilEvent } from "@vigil/events";

/**
 * A deterministic stream shaped like a busy server's: for every process an exec, a fork and an exit (the ratio
 * the sensor reports), 2,000 command lines that repeat, one in five with a unique argument (URLs, temp files).
 */
export function realisticBatch(
  host: { id: string; name: string },
  batch: number,
  size: number,
  /** the batch's events from `startNs` on, `stepNs` apart, from a host booted as `boot`; else a fixed history */
  clock?: { startNs: bigint; stepNs: bigint; boot: string },
): VigilEvent[] {
  const events: VigilEvent[] = [];
  for (let i = 0; i < size; i++) {
    const n = batch * size + i;
    const process = Math.floor(n / 3);
    const command = (process * 7919) % 2000;
    const unique = process % 5 === 0;
    const exe = `/usr/bin/${["curl", "python3", "bash", "systemctl", "git", "node", "awk", "sed"][command % 8]}`;
    const argv = [exe.slice(9), `--job=${command}`, "--config", `/etc/app/${command % 97}.conf`];
    if (unique)
      argv.push(
        `https://api.internal.example/v1/items/${process}?sig=${(process * 2654435761) % 4294967296}`,
      );
    const pid = 10_000 + (process % 50_000);
    const timeNs = clock
      ? clock.startNs + BigInt(i) * clock.stepNs
      : 1_796_000_000_000_000_000n + BigInt(n) * 50_000n;
    const time = nsToTime(timeNs);
    const base = {
      time,
      host,
      sensor: "tracepoint" as const,
      verdict: "allowed" as const,
      policy: null,
      process: {
        pid,
        tid: pid,
        ppid: 1000 + (command % 50),
        uid: command % 3 === 0 ? 0 : 1000,
        euid: command % 3 === 0 ? 0 : 1000,
        gid: 1000,
        comm: exe.slice(9, 24),
        exe,
        filename: exe,
        argv,
        cwd: `/srv/app${command % 13}`,
        cgroupId: String(4000 + (command % 40)),
      },
    };
    const parent = { pid: base.process.ppid, exe: "/usr/bin/bash", comm: "bash" };
    const id = `${clock?.boot ?? "b00t"}-${timeNs.toString(16)}-${pid.toString(16)}`;
    switch (n % 3) {
      case 0:
        events.push({
          ...base,
          id: `${id}-exec`,
          type: "exec",
          parent,
          file: { path: exe, dev: 2049, inode: String(100_000 + (command % 8)) },
        });
        break;
      case 1:
        events.push({ ...base, id: `${id}-fork`, type: "fork", parent });
        break;
      default:
        events.push({
          ...base,
          id: `${id}-exit`,
          type: "exit",
          exit: { code: command % 7 === 0 ? 1 : 0, signal: 0 },
        });
    }
  }
  return events;
}
