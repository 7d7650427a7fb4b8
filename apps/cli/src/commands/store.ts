import { userInfo } from "node:os";
import { recordAudit } from "@vigil/api";
import { openStore, type Store } from "@vigil/db";

/** Runs `work` against the database at `path` (created and migrated if needed), then closes it. */
export async function withStore<T>(path: string, work: (store: Store) => T | Promise<T>): Promise<T> {
  const store = openStore(path);
  try {
    return await work(store);
  } finally {
    store.close();
  }
}

/** The audit log's entry for a change made from this CLI, by the system user who ran it. */
export function auditCli(store: Store, action: string, target: string, detail?: Record<string, unknown>) {
  recordAudit(store, { actor: `cli:${userInfo().username}`, action, target, source: "cli", detail });
}
