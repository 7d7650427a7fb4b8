import type { VigilEvent } from "@vigil/events";
import type { ReactNode } from "react";
import { commandLine, printable } from "@/components/printable";

/** What the row says about the event beyond its process: the command line, the file, the target. */
export function summary(event: VigilEvent): string {
  switch (event.type) {
    case "exec":
      return commandLine(event.process.argv);
    case "unlink_running":
      return printable(event.file.path);
    case "ptrace":
      return `${event.request} → pid ${event.target.pid} ${printable(event.target.exe)}`;
    case "mem_write":
      return `${event.method} → pid ${event.target.pid} ${printable(event.target.exe)}`;
    case "fork":
      return `forked by pid ${event.parent.pid} ${printable(event.parent.exe)}`;
    case "exit":
      return event.exit.signal ? `signal ${event.exit.signal}` : `code ${event.exit.code}`;
  }
}

export const shortTime = (time: string) => `${time.slice(0, 10)} ${time.slice(11, 23)}`;

type Column = { label: string; width?: string; mono?: boolean; cell: (e: VigilEvent) => ReactNode };

/** The table's columns, in the order they are shown. */
export const columnKeys = [
  "time",
  "type",
  "host",
  "pid",
  "ppid",
  "uid",
  "comm",
  "exe",
  "parent",
  "details",
  "cwd",
  "container",
  "sensor",
  "verdict",
] as const;
export type ColumnKey = (typeof columnKeys)[number];

/** What each column shows; every string from a host goes through printable(). */
export const columns: Record<ColumnKey, Column> = {
  time: { label: "Time (UTC)", width: "13rem", mono: true, cell: (e) => shortTime(e.time) },
  type: {
    label: "Type",
    width: "8.5rem",
    cell: (e) => <span className={`type type-${e.type}`}>{e.type}</span>,
  },
  host: { label: "Host", width: "10rem", cell: (e) => printable(e.host.name) },
  pid: { label: "PID", width: "5rem", mono: true, cell: (e) => e.process.pid },
  ppid: { label: "PPID", width: "5rem", mono: true, cell: (e) => e.process.ppid },
  uid: { label: "UID", width: "5rem", mono: true, cell: (e) => e.process.uid },
  comm: { label: "Comm", width: "9rem", mono: true, cell: (e) => printable(e.process.comm) },
  exe: { label: "Executable", mono: true, cell: (e) => printable(e.process.exe) },
  parent: {
    label: "Parent",
    mono: true,
    cell: (e) => ("parent" in e && e.parent ? printable(e.parent.exe) : ""),
  },
  details: { label: "Details", mono: true, cell: summary },
  cwd: { label: "Working directory", mono: true, cell: (e) => printable(e.process.cwd) },
  container: {
    label: "Container",
    width: "9rem",
    mono: true,
    cell: (e) => printable(e.process.containerId ?? ""),
  },
  sensor: { label: "Sensor", width: "7rem", cell: (e) => e.sensor },
  verdict: { label: "Verdict", width: "5.5rem", cell: (e) => e.verdict },
};
export const defaultColumns: ColumnKey[] = [
  "time",
  "type",
  "host",
  "pid",
  "uid",
  "exe",
  "details",
  "verdict",
];

/** The columns named in the URL's `cols` (unknown names ignored), in table order; the default when none. */
export function columnsFromParam(param: string | null): ColumnKey[] {
  const named = new Set((param ?? "").split(","));
  const chosen = columnKeys.filter((key) => named.has(key));
  return chosen.length > 0 ? chosen : defaultColumns;
}

/** The `cols` parameter for a choice: none for the default, so ordinary links stay short. */
export function columnsParam(chosen: ColumnKey[]): string | null {
  const same = chosen.length === defaultColumns.length && defaultColumns.every((key) => chosen.includes(key));
  return same ? null : columnKeys.filter((key) => chosen.includes(key)).join(",");
}
