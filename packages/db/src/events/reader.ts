import type { EventType, VigilEvent } from "@vigil/events";
import { sensorNames, typeNames, verdictNames } from "./codes";
import { expandId } from "./event-id";
import { nsToTime } from "./time";

/** The columns `rowToEvent` needs, selected by every event query (read with safeIntegers). */
export const eventColumns = `e.seq, e.time_ns, e.type, e.sensor, e.verdict, e.pid, e.tid, e.ppid, e.uid, e.euid,
  e.gid, hu.name AS user_name, e.cgroup_id, e.parent_pid, e.target_pid, e.event_id, e.ktime, e.id_tid, b.boot, e.exit_status, e.detail,
  h.machine_id, h.name AS host_name,
  p.comm, p.exe, p.filename, p.argv, p.cwd, p.extra, pp.comm AS parent_comm, pp.exe AS parent_exe,
  f.path AS file_path, f.dev AS file_dev, f.inode AS file_inode, tp.comm AS target_comm, tp.exe AS target_exe`;

export const eventJoins = `JOIN hosts h ON h.id = e.host_id
  JOIN programs p ON p.id = e.program_id
  LEFT JOIN programs pp ON pp.id = e.parent_id
  LEFT JOIN files f ON f.id = e.file_id
  LEFT JOIN programs tp ON tp.id = e.target_id
  LEFT JOIN boots b ON b.id = e.boot_id
  LEFT JOIN host_users hu ON hu.host_id = e.host_id AND hu.uid = e.uid`;

export type EventRow = {
  seq: bigint;
  time_ns: bigint;
  type: bigint;
  sensor: bigint;
  verdict: bigint;
  pid: bigint;
  tid: bigint;
  ppid: bigint;
  uid: bigint;
  euid: bigint;
  gid: bigint;
  user_name: string | null;
  cgroup_id: bigint;
  parent_pid: bigint | null;
  target_pid: bigint | null;
  event_id: string | null;
  ktime: bigint | null;
  id_tid: bigint | null;
  boot: string | null;
  exit_status: bigint | null;
  detail: string | null;
  machine_id: string;
  host_name: string;
  comm: string;
  exe: string;
  filename: string | null;
  argv: string | null;
  cwd: string | null;
  extra: string | null;
  parent_comm: string | null;
  parent_exe: string | null;
  file_path: string | null;
  file_dev: bigint | null;
  file_inode: bigint | null;
  target_comm: string | null;
  target_exe: string | null;
};

const unsigned = (v: bigint) => BigInt.asUintN(64, v).toString();

/** A stored row back in the event JSON of the design (members in the agent's order). */
export function rowToEvent(row: EventRow): VigilEvent {
  const detail = row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : {};
  const { policy = null, ...rest } = detail;
  const type = typeNames[Number(row.type)] as EventType;
  const event: Record<string, unknown> = {
    id: row.event_id ?? expandId(row.boot ?? "", row.ktime ?? 0n, Number(row.id_tid ?? row.tid), type),
    type,
    time: nsToTime(row.time_ns),
    host: { id: row.machine_id, name: row.host_name },
    sensor: sensorNames[Number(row.sensor)],
    verdict: verdictNames[Number(row.verdict)],
    policy,
    process: {
      pid: Number(row.pid),
      tid: Number(row.tid),
      ppid: Number(row.ppid),
      uid: Number(row.uid),
      euid: Number(row.euid),
      gid: Number(row.gid),
      ...(row.user_name !== null ? { user: row.user_name } : {}),
      comm: row.comm,
      exe: row.exe,
      filename: row.filename ?? "",
      argv: row.argv ? JSON.parse(row.argv) : [],
      cwd: row.cwd ?? "",
      cgroupId: unsigned(row.cgroup_id),
      ...(row.extra ? JSON.parse(row.extra) : {}),
    },
  };
  if (row.parent_pid !== null) {
    event.parent = { pid: Number(row.parent_pid), exe: row.parent_exe, comm: row.parent_comm };
  }
  if (row.file_path !== null) {
    event.file = { path: row.file_path, dev: Number(row.file_dev), inode: unsigned(row.file_inode ?? 0n) };
  }
  if (row.target_pid !== null) {
    event.target = { pid: Number(row.target_pid), exe: row.target_exe, comm: row.target_comm };
  }
  if (row.exit_status !== null) {
    event.exit = { code: Number(row.exit_status & 0xffn), signal: Number(row.exit_status >> 8n) };
  }
  return Object.assign(event, rest) as VigilEvent;
}
