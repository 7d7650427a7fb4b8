import { enrollTokens, type Store } from "@vigil/db";
import { and, desc, eq, isNull } from "drizzle-orm";
import { notFound } from "../errors";
import { formatToken, newSecret } from "../secrets";

export type NewEnrollToken = {
  name?: string;
  labels?: Record<string, string>;
  expiresMs?: number;
  maxUses?: number;
};

/** Creates an enrollment token; the returned text is the only time its secret exists outside the agent. */
export function createEnrollToken(
  store: Store,
  spec: NewEnrollToken,
  nowMs = Date.now(),
): { id: string; token: string } {
  const { id, secret, secretHash } = newSecret();
  store.db
    .insert(enrollTokens)
    .values({
      id,
      secretHash,
      name: spec.name ?? "enrollment",
      labels: spec.labels ?? {},
      createdMs: nowMs,
      expiresMs: spec.expiresMs,
      maxUses: spec.maxUses,
    })
    .run();
  return { id, token: formatToken("vge", id, secret) };
}

/** No agent can enroll with it from now on; revoking it again keeps the first time. */
export function revokeEnrollToken(store: Store, id: string, nowMs = Date.now()): void {
  const { changes } = store.db
    .update(enrollTokens)
    .set({ revokedMs: nowMs })
    .where(and(eq(enrollTokens.id, id), isNull(enrollTokens.revokedMs)))
    .run();
  if (changes === 0 && !store.db.select().from(enrollTokens).where(eq(enrollTokens.id, id)).get()) {
    throw notFound(`no enrollment token with id ${id}`);
  }
}

/** Every enrollment token without its secret's hash, newest first. */
export function listEnrollTokens(store: Store) {
  return store.db
    .select({
      id: enrollTokens.id,
      name: enrollTokens.name,
      labels: enrollTokens.labels,
      createdMs: enrollTokens.createdMs,
      expiresMs: enrollTokens.expiresMs,
      maxUses: enrollTokens.maxUses,
      uses: enrollTokens.uses,
      revokedMs: enrollTokens.revokedMs,
    })
    .from(enrollTokens)
    .orderBy(desc(enrollTokens.createdMs))
    .all();
}
