import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { files } from "./files";
import { hosts } from "./hosts";
import { int64 } from "./int64";
import { programs } from "./programs";

/**
 * One row per event, in arrival order (`seq`). Strings live in programs and files; what only some event types have
 * (exit status, ptrace request, running pids, ...) is in `detail` as JSON. Types, sensors and verdicts are small
 * integers (see packages/db/src/events/codes.ts), which SQLite stores in a byte or none.
 */
export const events = sqliteTable(
  "events",
  {
    seq: integer("seq").primaryKey(),
    hostId: integer("host_id")
      .notNull()
      .references(() => hosts.id),
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
    programId: integer("program_id")
      .notNull()
      .references(() => programs.id),
    parentPid: integer("parent_pid"),
    parentId: integer("parent_id").references(() => programs.id),
    fileId: integer("file_id").references(() => files.id),
    targetPid: integer("target_pid"),
    targetId: integer("target_id").references(() => programs.id),
    eventId: text("event_id").notNull(),
    detail: text("detail"),
  },
  (t) => [
    // The explorer's default view: a time range, newest first; retention by age.
    index("events_time_idx").on(t.timeNs),
    // The explorer filtered to one host, and the host page.
    index("events_host_time_idx").on(t.hostId, t.timeNs),
    // Filters by event type, and the dashboard's counts by type over time.
    index("events_type_time_idx").on(t.type, t.timeNs),
    // The process view: every event of a pid on a host.
    index("events_host_pid_idx").on(t.hostId, t.pid, t.timeNs),
    // Text search and exe filters, which resolve to programs first.
    index("events_program_idx").on(t.programId, t.timeNs),
    // Text search over file paths (only exec and unlink_running events name a file).
    index("events_file_idx").on(t.fileId).where(sql`${t.fileId} IS NOT NULL`),
  ],
);
