import { statSync } from "node:fs";
import { basename } from "node:path";
import { hosts, type Store } from "@vigil/db";
import { defaultFleetSetting, fleetSetting, type HostStatus, hostStatus } from "./fleet-status";

/** Hosts by status (online, stale, offline), as the fleet page counts them. */
export function hostsByStatus(store: Store, nowMs = Date.now()): Record<HostStatus, number> {
  const setting = fleetSetting(store) ?? defaultFleetSetting;
  const counts = { online: 0, stale: 0, offline: 0 };
  for (const { lastSeenMs } of store.db.select({ lastSeenMs: hosts.lastSeenMs }).from(hosts).all()) {
    counts[hostStatus(lastSeenMs, nowMs, setting)]++;
  }
  return counts;
}

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
