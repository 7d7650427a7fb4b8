import { statSync } from "node:fs";
import { resolve } from "node:path";
import { DomainError } from "@vigil/api";
import { type Backup, backupDatabase } from "@vigil/db";

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export async function backup(dbPath: string, target: string) {
  const to = resolve(target);
  const size = statSync(dbPath, { throwIfNoEntry: false })?.size ?? 0; // missing: backupDatabase says so
  process.stderr.write(
    `backing up ${dbPath} (${mib(size)} without its WAL) to ${to}; the server may keep running\n`,
  );
  let done: Backup;
  try {
    done = await backupDatabase(dbPath, to);
  } catch (error) {
    // a missing database, an existing target, a full disk: said as such, without a stack trace
    throw new DomainError(400, `backup failed: ${(error as Error).message}`);
  }
  process.stdout.write(
    `backed up ${done.events.toLocaleString("en")} events to ${to} (${mib(done.bytes)} in ${done.seconds.toFixed(1)} s), checked\n`,
  );
}
