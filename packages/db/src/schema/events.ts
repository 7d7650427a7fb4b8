import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { int64 } from "./int64";

/**
 * One row per event, in arrival order (`seq`). Strings live in programs and files; what only some event types have
 * (exit status, ptrace request, running pids, ...) is in `detail` as JSON. Types, sensors and verdicts are small
 * integers (see packages/db/src/events/codes.ts), which SQLite stores in a byte or none.
 */
export const events = sqliteTable(
  "events",
  {
    seq: integer("seq").primaryKey(),
    // Ids of hosts, programs, files and boots are written by EventWriter from the rows it just looked up or made;
    // no foreign keys here, so an insert does not pay four look-ups to check them again.
    hostId: integer("host_id").notNull(),
    timeNs: int64("time_ns").notNull(),
    type: integer("type").notNull(),
    sensor: integer("sensor").notNull(),
    verdict: integer("verdict").notNull(),
    pid: integer("pid").notNull(),
    tid: integer("tid").notNull(),
    ppid: integer("ppid").notNull(),
    uid: integer("uid").notNull(),
    euid: integer("euid").notNull(),
    gid: integer("gid").notNull(),
    cgroupId: int64("cgroup_id").notNull(),
    programId: integer("program_id").notNull(),
    parentPid: integer("parent_pid"),
    parentId: integer("parent_id"),
    fileId: integer("file_id"),
    targetPid: integer("target_pid"),
    targetId: integer("target_id"),
    /** An agent's id is kept as its boot (in `boots`) and kernel time; any other id as text. */
    bootId: integer("boot_id"),
    ktime: int64("ktime"),
    /** The thread id in an agent's id when it is not process.tid (a fork's id names the forking thread). */
    idTid: integer("id_tid"),
    eventId: text("event_id"),
    /** exit events: code | signal << 8 */
    exitStatus: integer("exit_status"),
    detail: text("detail"),
  },
  (t) => [
    // The explorer's default view (a time range, newest first) and retention by age; with the type, a type
    // filter is answered from the index alone.
    index("events_time_idx").on(t.timeNs, t.type),
    // The explorer filtered to one host, and the host page.
    index("events_host_time_idx").on(t.hostId, t.timeNs),
    // The security events (unlink_running, ptrace, mem_write) by type and time: rare, and what analysts look for.
    index("events_security_idx").on(t.type, t.timeNs).where(sql`${t.type} >= 3`),
    // The process view: the events of a pid on a host (a pid is reused, so a few hundred rows at most).
    index("events_host_pid_idx").on(t.hostId, t.pid),
    // The process view: the children a process forked in its lifetime (fork rows only, a third of the events).
    index("events_children_idx").on(t.hostId, t.parentPid, t.timeNs).where(sql`${t.type} = 1`),
    // Text search and exe filters, which resolve to programs first; with the time, matches sort from the index.
    index("events_program_idx").on(t.programId, t.timeNs),
    // Text search over file paths (only exec and unlink_running events name a file).
    index("events_file_idx").on(t.fileId, t.timeNs).where(sql`${t.fileId} IS NOT NULL`),
  ],
);
