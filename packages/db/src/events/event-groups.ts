import type { EventType, VigilEvent } from "@vigil/events";
import type Database from "better-sqlite3";
import { typeCodes } from "./codes";
import { eventsBySeq } from "./query";

/**
 * Events that look the same to a policy rule: one host, program, parent, file, target, user ids, cgroup, whether
 * the target is the process itself, and (for the rare security types) the request, method or error. A back-test
 * judges one example of each group instead of every event: a fleet runs the same command lines millions of times.
 */
export type EventGroup = { hostId: number; count: number; example: bigint };

/**
 * A cheaper first cut a rule allows (from its `when`): only events of the programs, or naming the files, that `test`
 * passes, found first by SQLite GLOBs (`exeGlobs`, `globs`). An event store may use it, or judge every event.
 */
export type Narrowing =
  | { by: "program"; exeGlobs: string[] | null; test(program: ProgramFacts): boolean }
  | { by: "file"; globs: string[]; test(path: string): boolean };

/** Groups of alike events of one type in [sinceNs, untilNs), of `hosts` (machine ids) or all. */
export type GroupQuery = {
  type: EventType;
  sinceNs: bigint;
  untilNs: bigint;
  hosts?: string[];
  narrowing?: Narrowing;
};

/** A group: its host (machine id), how many events, and the newest of them. */
export type GroupOf = { host: string; count: number; example: VigilEvent };

/** How the work is done: in `slices` of time, `onSlice` after each, `pause` between them. */
export type GroupProgress = { slices: number; onSlice?: (done: number) => void; pause?: () => Promise<void> };

export type GroupFilter = {
  type: EventType;
  sinceNs: bigint;
  untilNs: bigint;
  /** Only events of these programs, or naming these files (what rules' `when` allow); all when absent. */
  programIds?: number[];
  fileIds?: number[];
  hostIds?: number[];
};

const keyColumns = `e.host_id, e.program_id, e.parent_id, e.file_id, e.target_id, e.uid, e.euid, e.cgroup_id,
  e.target_pid = e.pid, CASE WHEN e.type >= ${typeCodes.unlink_running} THEN e.detail END`;

/** The groups of events in [sinceNs, untilNs), found one slice of time at a time (`slices` calls of onSlice). */
export async function eventGroups(
  sqlite: Database.Database,
  filter: GroupFilter,
  options: { slices: number; onSlice?: (done: number) => void; pause?: () => Promise<void> },
): Promise<EventGroup[]> {
  const where = ["e.type = ?", "e.time_ns >= ?", "e.time_ns < ?"];
  const params: unknown[] = [typeCodes[filter.type]];
  if (filter.programIds) where.push("e.program_id IN (SELECT value FROM json_each(?))");
  if (filter.fileIds) where.push("e.file_id IN (SELECT value FROM json_each(?))");
  if (filter.hostIds) where.push("e.host_id IN (SELECT value FROM json_each(?))");
  const statement = sqlite
    .prepare(
      `SELECT ${keyColumns}, count(*) AS n, max(e.seq) AS example FROM events e
       WHERE ${where.join(" AND ")} GROUP BY ${keyColumns}`,
    )
    .raw()
    .safeIntegers();
  const groups = new Map<string, EventGroup>();
  const span = filter.untilNs - filter.sinceNs;
  for (let slice = 0; slice < options.slices; slice++) {
    const from = filter.sinceNs + (span * BigInt(slice)) / BigInt(options.slices);
    const to = filter.sinceNs + (span * BigInt(slice + 1)) / BigInt(options.slices);
    const rows = statement.all(
      ...params,
      from,
      to,
      ...(filter.programIds ? [JSON.stringify(filter.programIds)] : []),
      ...(filter.fileIds ? [JSON.stringify(filter.fileIds)] : []),
      ...(filter.hostIds ? [JSON.stringify(filter.hostIds)] : []),
    ) as unknown[][];
    for (const row of rows) {
      const key = row.slice(0, 10).join("\u0000");
      const count = Number(row[10]);
      const example = row[11] as bigint;
      const group = groups.get(key);
      if (!group) groups.set(key, { hostId: Number(row[0]), count, example });
      else {
        group.count += count;
        if (example > group.example) group.example = example;
      }
    }
    options.onSlice?.(slice + 1);
    await options.pause?.();
  }
  return [...groups.values()];
}

export type ProgramFacts = {
  id: number;
  exe: string;
  filename: string;
  comm: string;
  argv: string[];
  containerId?: string;
};

/**
 * Programs (what processes ran, not references to them) after `afterId` in id order, `limit` at most, whose exe
 * matches one of `exeGlobs` (SQLite GLOB) when given: a page at a time, so no statement stays open while the
 * caller yields to ingest.
 */
function programFacts(
  sqlite: Database.Database,
  page: { afterId: number; limit: number; exeGlobs?: string[] },
): ProgramFacts[] {
  const globs = page.exeGlobs ?? [];
  const rows = sqlite
    .prepare(
      `SELECT id, comm, exe, filename, argv, extra FROM programs WHERE id > ? AND argv IS NOT NULL
       ${globs.length > 0 ? `AND (${globs.map(() => "exe GLOB ?").join(" OR ")})` : ""} ORDER BY id LIMIT ?`,
    )
    .raw()
    .all(page.afterId, ...globs, page.limit) as [number, string, string, string, string, string | null][];
  return rows.map(([id, comm, exe, filename, argv, extra]) => {
    const containerId = extra ? (JSON.parse(extra) as { containerId?: string }).containerId : undefined;
    return {
      id,
      exe,
      filename,
      comm,
      argv: JSON.parse(argv) as string[],
      ...(containerId ? { containerId } : {}),
    };
  });
}

/** Files whose path matches one of `globs` (SQLite GLOB), as ids and paths, for the caller's exact test. */
function filesMatching(sqlite: Database.Database, globs: string[]): { id: number; path: string }[] {
  if (globs.length === 0) return [];
  return sqlite
    .prepare(`SELECT id, path FROM files WHERE ${globs.map(() => "path GLOB ?").join(" OR ")}`)
    .all(...globs) as { id: number; path: string }[];
}

/** Above this many programs or files a narrowing allows, scanning the type's events beats looking each one up. */
const MAX_LOOKUPS = 20_000;
const PROGRAM_PAGE = 20_000;
const EXAMPLE_BATCH = 400;

/** The groups of GroupQuery in SQLite, newest example first: by program or file ids first when that narrows. */
export async function sqliteGroups(
  sqlite: Database.Database,
  query: GroupQuery,
  progress: GroupProgress,
): Promise<GroupOf[]> {
  const pause = progress.pause ?? (async () => {});
  const hosts = new Map(
    (sqlite.prepare("SELECT id, machine_id FROM hosts").all() as { id: number; machine_id: string }[])
      .filter((h) => query.hosts === undefined || query.hosts.includes(h.machine_id))
      .map((h) => [h.id, h.machine_id]),
  );
  const narrowed = query.narrowing && (await candidateIds(sqlite, query.narrowing, pause));
  if (hosts.size === 0 || narrowed?.ids.length === 0) {
    progress.onSlice?.(progress.slices); // nothing could match
    return [];
  }
  const groups = await eventGroups(
    sqlite,
    {
      type: query.type,
      sinceNs: query.sinceNs,
      untilNs: query.untilNs,
      programIds: narrowed?.by === "program" ? narrowed.ids : undefined,
      fileIds: narrowed?.by === "file" ? narrowed.ids : undefined,
      hostIds: query.hosts ? [...hosts.keys()] : undefined,
    },
    progress,
  );
  groups.sort((a, b) => (a.example < b.example ? 1 : -1));
  const found: GroupOf[] = [];
  for (let at = 0; at < groups.length; at += EXAMPLE_BATCH) {
    const batch = groups.slice(at, at + EXAMPLE_BATCH);
    const examples = new Map(
      eventsBySeq(
        sqlite,
        batch.map((g) => g.example),
      ).map((e) => [e.seq, e.event]),
    );
    for (const group of batch) {
      const example = examples.get(group.example);
      if (!example) continue; // deleted by retention meanwhile
      found.push({ host: hosts.get(group.hostId) ?? String(group.hostId), count: group.count, example });
    }
    await pause();
  }
  return found;
}

/** The ids of the programs or files a narrowing allows; undefined when they are too many to pay. */
async function candidateIds(
  sqlite: Database.Database,
  narrowing: Narrowing,
  pause: () => Promise<void>,
): Promise<{ by: "program" | "file"; ids: number[] } | undefined> {
  if (narrowing.by === "file") {
    const ids = filesMatching(sqlite, narrowing.globs)
      .filter((f) => narrowing.test(f.path))
      .map((f) => f.id);
    return ids.length > MAX_LOOKUPS ? undefined : { by: "file", ids };
  }
  const exeGlobs = narrowing.exeGlobs ?? undefined;
  const ids: number[] = [];
  for (let page = programFacts(sqlite, { afterId: 0, limit: PROGRAM_PAGE, exeGlobs }); page.length > 0; ) {
    for (const program of page) if (narrowing.test(program)) ids.push(program.id);
    if (ids.length > MAX_LOOKUPS) return undefined;
    await pause();
    page = programFacts(sqlite, { afterId: page.at(-1)?.id ?? 0, limit: PROGRAM_PAGE, exeGlobs });
  }
  return { by: "program", ids };
}
