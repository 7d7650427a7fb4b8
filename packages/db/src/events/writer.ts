import type { FileRef, Process, ProcessRef, VigilEvent } from "@vigil/events";
import type Database from "better-sqlite3";
import { sensorCodes, typeCodes, verdictCodes } from "./codes";
import { Dictionary } from "./dictionary";
import { compactId } from "./event-id";
import { timeToNs } from "./time";

/** Members stored in columns or dictionaries; whatever else an event has goes to `detail`. */
const columnMembers = new Set([
  "id",
  "type",
  "time",
  "host",
  "sensor",
  "verdict",
  "policy",
  "process",
  "exit",
]);
const referenceMembers = new Set(["parent", "file", "target"]);

const u64 = (decimal: string) => BigInt.asIntN(64, BigInt(decimal));

/**
 * Writes validated events into `events`, `programs` and `files` with statements prepared once. Call inside one
 * transaction per batch; after a rollback call `forgetIds()`.
 */
export class EventWriter {
  private readonly insertEvent: Database.Statement;
  private readonly programs: Dictionary<Process | ProcessRef>;
  private readonly files: Dictionary<FileRef>;
  private readonly boots: Dictionary<string>;
  private readonly upsertUser: Database.Statement;
  /** host -> uid -> the name stored for it: written again only when a host reports another one. */
  private readonly userNames = new Map<number, Map<number, string>>();

  constructor(db: Database.Database) {
    this.insertEvent = db.prepare(
      `INSERT INTO events (host_id, time_ns, type, sensor, verdict, pid, tid, ppid, uid, euid, gid, cgroup_id,
         program_id, parent_pid, parent_id, file_id, target_pid, target_id, boot_id, ktime, id_tid, event_id,
         exit_status, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.upsertUser = db.prepare(
      `INSERT INTO host_users (host_id, uid, name) VALUES (?, ?, ?)
       ON CONFLICT (host_id, uid) DO UPDATE SET name = excluded.name`,
    );
    const insertBoot = db.prepare("INSERT INTO boots (boot) VALUES (?) RETURNING id");
    this.boots = new Dictionary(db, "boots", (_key, boot) => (insertBoot.get(boot) as { id: number }).id, {
      select: "SELECT id FROM boots WHERE boot = ?",
      byValue: true,
    });
    const insertProgram = db.prepare(
      `INSERT INTO programs (key, comm, exe, filename, argv, cwd, extra) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    const indexProgram = db.prepare(
      "INSERT INTO programs_fts (rowid, comm, exe, filename, argv, cwd) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.programs = new Dictionary(db, "programs", (key, p) => {
      const full = "argv" in p ? p : null;
      const argv = full ? JSON.stringify(full.argv) : null;
      const extra = full ? programExtra(full) : null;
      const { id } = insertProgram.get(key, p.comm, p.exe, full?.filename, argv, full?.cwd, extra) as {
        id: number;
      };
      indexProgram.run(id, p.comm, p.exe, full?.filename, full?.argv.join(" "), full?.cwd);
      return id;
    });
    const insertFile = db.prepare(
      "INSERT INTO files (key, path, dev, inode) VALUES (?, ?, ?, ?) RETURNING id",
    );
    const indexFile = db.prepare("INSERT INTO files_fts (rowid, path) VALUES (?, ?)");
    this.files = new Dictionary(db, "files", (key, f) => {
      const { id } = insertFile.get(key, f.path, f.dev, u64(f.inode)) as { id: number };
      indexFile.run(id, f.path);
      return id;
    });
  }

  /** Stores one event; returns its arrival number (`seq`). */
  insert(hostId: number, event: VigilEvent): number {
    const p = event.process;
    if (p.user !== undefined) this.rememberUser(hostId, p.uid, p.user);
    const parent = "parent" in event ? event.parent : undefined;
    const file = "file" in event ? event.file : undefined;
    const target = "target" in event ? event.target : undefined;
    const id = compactId(event.id, event.type);
    const { lastInsertRowid } = this.insertEvent.run(
      hostId,
      timeToNs(event.time),
      typeCodes[event.type],
      sensorCodes[event.sensor],
      verdictCodes[event.verdict],
      p.pid,
      p.tid,
      p.ppid,
      p.uid,
      p.euid,
      p.gid,
      u64(p.cgroupId),
      this.programs.id(programKey(p), p),
      parent?.pid,
      parent && this.programs.id(refKey(parent), parent),
      file && this.files.id(JSON.stringify([file.path, file.dev, file.inode]), file),
      target?.pid,
      target && this.programs.id(refKey(target), target),
      id && this.boots.id(id.boot, id.boot),
      id?.ktime,
      id && id.tid !== p.tid ? id.tid : null,
      id ? null : event.id,
      event.type === "exit" ? event.exit.code | (event.exit.signal << 8) : null,
      detail(event),
    );
    return Number(lastInsertRowid);
  }

  private rememberUser(hostId: number, uid: number, name: string): void {
    const names = this.userNames.get(hostId) ?? new Map<number, string>();
    if (names.get(uid) === name) return;
    this.upsertUser.run(hostId, uid, name);
    names.set(uid, name);
    this.userNames.set(hostId, names);
  }

  /** Rows may be gone (a rolled-back transaction, pruned orphans): look ids up again. */
  forgetIds(): void {
    this.userNames.clear();
    this.programs.forget();
    this.files.forget();
    this.boots.forget();
  }
}

function programExtra(p: Process): string | null {
  const { containerId, sha256, exeDeleted, memfd } = p;
  if (containerId === undefined && sha256 === undefined && exeDeleted === undefined && memfd === undefined) {
    return null;
  }
  return JSON.stringify({ containerId, sha256, exeDeleted, memfd });
}

const programKey = (p: Process) =>
  JSON.stringify([p.comm, p.exe, p.filename, p.argv, p.cwd, p.containerId, p.sha256, p.exeDeleted, p.memfd]);
const refKey = (r: ProcessRef) => JSON.stringify([r.comm, r.exe]);

function detail(event: VigilEvent): string | null {
  const rest: Record<string, unknown> = {};
  let any = false;
  for (const [name, value] of Object.entries(event)) {
    if (columnMembers.has(name) || referenceMembers.has(name)) continue;
    rest[name] = value;
    any = true;
  }
  if (event.policy) {
    rest.policy = event.policy;
    any = true;
  }
  return any ? JSON.stringify(rest) : null;
}
