import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "./client";
import { hosts } from "./schema";

/** A fresh database in its own directory, with one host; `cleanup` removes it. */
export function testStore(): { store: Store; hostId: number; dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "vigil-db-"));
  const store = openStore(join(dir, "vigil.db"));
  const { id } = store.db
    .insert(hosts)
    .values({ machineId: "host-7f3a", name: "web-1", firstSeenMs: 0, lastSeenMs: 0 })
    .returning({ id: hosts.id })
    .get();
  return {
    store,
    hostId: id,
    dir,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
