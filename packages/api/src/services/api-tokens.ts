import { apiTokens, type Role, type Store } from "@vigil/db";
import { eq } from "drizzle-orm";
import { notFound } from "../errors";
import { formatToken, newSecret } from "../secrets";

/** Creates an API token; the returned text is the only time its secret is shown. */
export function createApiToken(store: Store, spec: { name: string; role: Role }, nowMs = Date.now()) {
  const { id, secret, secretHash } = newSecret();
  store.db
    .insert(apiTokens)
    .values({ id, name: spec.name, role: spec.role, secretHash, createdMs: nowMs })
    .run();
  return { id, token: formatToken("vgt", id, secret) };
}

export function revokeApiToken(store: Store, id: string, nowMs = Date.now()): void {
  const { changes } = store.db.update(apiTokens).set({ revokedMs: nowMs }).where(eq(apiTokens.id, id)).run();
  if (changes === 0) throw notFound(`no API token with id ${id}`);
}

export function listApiTokens(store: Store) {
  return store.db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      role: apiTokens.role,
      createdMs: apiTokens.createdMs,
      lastUsedMs: apiTokens.lastUsedMs,
      revokedMs: apiTokens.revokedMs,
    })
    .from(apiTokens)
    .all();
}
