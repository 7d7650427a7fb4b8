import type { VigilEvent } from "@vigil/events";
import type Database from "better-sqlite3";
import { Dictionary } from "./dictionary";
import { BIGINTS, buildRows, Column, type EventRows, NULL, NUMBERS } from "./rows";

const u64 = (decimal: string) => BigInt.asIntN(64, BigInt(decimal));

/**
 * Writes validated events (as `EventRows`) into `events`, `programs` and `files` with statements prepared once.
 * Call inside one transaction per batch; after a rollback call `forgetIds()`.
 */
export class EventWriter {
  private readonly insertEvent: Database.Statement;
  private readonly programs: Dictionary;
  private readonly files: Dictionary;
  private readonly boots: Dictionary;
  private readonly upsertUser: Database.Statement;
  private readonly insertArrival: Database.Statement;
  /** The second of the last arrival recorded (by this writer). */
  private arrivalSecond = 0;
  /** host -> uid -> the name stored for it: written again only when a host reports another one. */
  private readonly userNames = new Map<number, Map<number, string>>();

  constructor(db: Database.Database) {
    this.insertEvent = db.prepare(
      `INSERT INTO events (host_id, time_ns, type, sensor, verdict, pid, tid, ppid, uid, euid, gid, cgroup_id,
         program_id, parent_pid, parent_id, file_id, target_pid, target_id, boot_id, ktime, id_tid, event_id,
         exit_status, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertArrival = db.prepare("INSERT OR IGNORE INTO arrivals (seq, received_ms) VALUES (?, ?)");
    this.upsertUser = db.prepare(
      `INSERT INTO host_users (host_id, uid, name) VALUES (?, ?, ?)
       ON CONFLICT (host_id, uid) DO UPDATE SET name = excluded.name`,
    );
    const insertBoot = db.prepare("INSERT INTO boots (boot) VALUES (?) RETURNING id");
    this.boots = new Dictionary(db, "boots", (boot) => (insertBoot.get(boot) as { id: number }).id, {
      select: "SELECT id FROM boots WHERE boot = ?",
      byValue: true,
    });
    const insertProgram = db.prepare(
      `INSERT INTO programs (key, comm, exe, filename, argv, cwd, extra) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    const indexProgram = db.prepare(
      "INSERT INTO programs_fts (rowid, comm, exe, filename, argv, cwd) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.programs = new Dictionary(db, "programs", (digest, key) => {
      // [comm, exe] for a parent or target; the whole process's programKey otherwise
      const [comm, exe, filename = null, argv = null, cwd = null, ...extra] = JSON.parse(key) as [
        string,
        string,
        string?,
        string[]?,
        string?,
        ...(string | boolean | null)[],
      ];
      const { id } = insertProgram.get(
        digest,
        comm,
        exe,
        filename,
        argv && JSON.stringify(argv),
        cwd,
        programExtra(extra),
      ) as { id: number };
      indexProgram.run(id, comm, exe, filename, argv?.join(" ") ?? null, cwd);
      return id;
    });
    const insertFile = db.prepare(
      "INSERT INTO files (key, path, dev, inode) VALUES (?, ?, ?, ?) RETURNING id",
    );
    const indexFile = db.prepare("INSERT INTO files_fts (rowid, path) VALUES (?, ?)");
    this.files = new Dictionary(db, "files", (digest, key) => {
      const [path, dev, inode] = JSON.parse(key) as [string, number, string];
      const { id } = insertFile.get(digest, path, dev, u64(inode)) as { id: number };
      indexFile.run(id, path);
      return id;
    });
  }

  /** Stores one event; returns its arrival number (`seq`). */
  insert(hostId: number, event: VigilEvent): number {
    return this.write(hostId, buildRows([event]))[0] as number;
  }

  /**
   * Stores the events of `rows` from the one at batch position `from` on; returns each row's arrival number
   * (`seq`; 0 for one skipped).
   */
  write(hostId: number, rows: EventRows, from = 0, nowMs = Date.now()): number[] {
    for (const [uid, name] of rows.users) this.rememberUser(hostId, uid, name);
    const programs = rows.programs.map((key) => this.programs.id(key));
    const files = rows.files.map((key) => this.files.id(key));
    const boots = rows.boots.map((boot) => this.boots.id(boot));
    const eventIds = new Map(rows.eventIds);
    const details = new Map(rows.details);
    const { numbers: n, bigints: b } = rows;
    const seqs: number[] = [];
    for (let row = 0, o = 0, o64 = 0; row < rows.count; row++, o += NUMBERS, o64 += BIGINTS) {
      if ((n[o + Column.batchIndex] as number) < from) {
        seqs.push(0);
        continue;
      }
      const boot = n[o + Column.boot] as number;
      const parent = n[o + Column.parent] as number;
      const file = n[o + Column.file] as number;
      const target = n[o + Column.target] as number;
      const { lastInsertRowid } = this.insertEvent.run(
        hostId,
        b[o64],
        n[o + Column.type],
        n[o + Column.sensor],
        n[o + Column.verdict],
        (n[o + Column.pid] as number) >>> 0,
        (n[o + Column.tid] as number) >>> 0,
        (n[o + Column.ppid] as number) >>> 0,
        (n[o + Column.uid] as number) >>> 0,
        (n[o + Column.euid] as number) >>> 0,
        (n[o + Column.gid] as number) >>> 0,
        b[o64 + 1],
        programs[n[o + Column.program] as number],
        parent === NULL ? null : (n[o + Column.parentPid] as number) >>> 0,
        parent === NULL ? null : programs[parent],
        file === NULL ? null : files[file],
        target === NULL ? null : (n[o + Column.targetPid] as number) >>> 0,
        target === NULL ? null : programs[target],
        boot === NULL ? null : boots[boot],
        boot === NULL ? null : b[o64 + 2],
        unsignedOrNull(n[o + Column.idTid] as number),
        eventIds.get(row) ?? null,
        orNull(n[o + Column.exitStatus] as number),
        details.get(row) ?? null,
      );
      seqs.push(Number(lastInsertRowid));
    }
    this.recordArrival(seqs, nowMs);
    return seqs;
  }

  /** The first event stored in a new second marks when it and those after it arrived. */
  private recordArrival(seqs: number[], nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (second === this.arrivalSecond) return;
    const first = seqs.find((seq) => seq > 0);
    if (first === undefined) return;
    this.insertArrival.run(first, nowMs);
    this.arrivalSecond = second;
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
    this.arrivalSecond = 0;
    this.userNames.clear();
    this.programs.forget();
    this.files.forget();
    this.boots.forget();
  }
}

/** What a process has beyond its command line (container, digest, flags), from the end of its programKey. */
function programExtra([containerId, sha256, exeDeleted, memfd]: (string | boolean | null)[]): string | null {
  if (containerId == null && sha256 == null && exeDeleted == null && memfd == null) return null;
  return JSON.stringify({
    containerId: containerId ?? undefined,
    sha256: sha256 ?? undefined,
    exeDeleted: exeDeleted ?? undefined,
    memfd: memfd ?? undefined,
  });
}

const orNull = (value: number) => (value === NULL ? null : value);
const unsignedOrNull = (value: number) => (value === NULL ? null : value >>> 0);
