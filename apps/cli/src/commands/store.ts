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
