import { statSync } from "node:fs";
import { basename } from "node:path";
import type { Store } from "@vigil/db";
import { fleetPage } from "./fleet";
import type { HostStatus } from "./fleet-status";

/** Hosts by status (online, stale, offline), as the fleet page counts them. */
export const hostsByStatus = (store: Store, nowMs = Date.now()): Record<HostStatus, number> =>
  fleetPage(store, { limit: 0 }, nowMs).counts.status;

/** The database's files and their sizes in bytes: the main file and its write-ahead log (0 while it has none). */
export function storeFileBytes(store: Store): Record<string, number> {
  const main = store.sqlite.name;
  const size = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  return { [basename(main)]: size(main), [`${basename(main)}-wal`]: size(`${main}-wal`) };
}
