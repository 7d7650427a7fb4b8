import { enrollTokens, type Store } from "@vigil/db";
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
