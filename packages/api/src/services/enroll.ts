import { agents, enrollTokens, hosts, type Store } from "@vigil/db";
import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { forbidden, unauthorized } from "../errors";
import { formatToken, newSecret, parseToken, secretMatches } from "../secrets";

export const hostFactsSchema = z.strictObject({
  machineId: z.string().min(1).max(128),
  name: z.string().min(1).max(255),
  os: z.string().max(255).optional(),
  kernel: z.string().max(255).optional(),
  agentVersion: z.string().max(64).optional(),
});

export const enrollRequestSchema = z.strictObject({ token: z.string().max(256), host: hostFactsSchema });

export type EnrollRequest = z.infer<typeof enrollRequestSchema>;
export type Enrollment = { agentId: string; credential: string; hostId: string };

/**
 * Exchanges an enrollment token for the agent's own credential. Enrolling a machine again (a reinstall) revokes
 * its earlier agents, so one host never has two voices.
 */
export function enrollAgent(store: Store, request: EnrollRequest, nowMs = Date.now()): Enrollment {
  const parsed = parseToken("vge", request.token);
  if (!parsed)
    throw unauthorized(
      "not an enrollment token (expected vge_...): create one with `vigil enroll-token create`",
    );
  return store.sqlite
    .transaction(() => {
      const token = store.db.select().from(enrollTokens).where(eq(enrollTokens.id, parsed.id)).get();
      if (!token || !secretMatches(parsed.secret, token.secretHash))
        throw unauthorized("unknown enrollment token");
      if (token.revokedMs !== null) throw forbidden("this enrollment token was revoked");
      if (token.expiresMs !== null && token.expiresMs <= nowMs)
        throw forbidden("this enrollment token has expired");
      if (token.maxUses !== null && token.uses >= token.maxUses) {
        throw forbidden(`this enrollment token was already used ${token.uses} times (its limit)`);
      }
      store.db
        .update(enrollTokens)
        .set({ uses: sql`${enrollTokens.uses} + 1` })
        .where(eq(enrollTokens.id, token.id))
        .run();
      const { host: facts } = request;
      const host = store.db
        .insert(hosts)
        .values({
          machineId: facts.machineId,
          name: facts.name,
          labels: token.labels,
          os: facts.os,
          kernel: facts.kernel,
          agentVersion: facts.agentVersion,
          firstSeenMs: nowMs,
          lastSeenMs: nowMs,
        })
        .onConflictDoUpdate({
          target: hosts.machineId,
          set: {
            name: facts.name,
            os: facts.os,
            kernel: facts.kernel,
            agentVersion: facts.agentVersion,
            lastSeenMs: nowMs,
          },
        })
        .returning({ id: hosts.id })
        .get();
      store.db
        .update(agents)
        .set({ revokedMs: nowMs })
        .where(and(eq(agents.hostId, host.id), isNull(agents.revokedMs)))
        .run();
      const { id, secret, secretHash } = newSecret();
      store.db
        .insert(agents)
        .values({ id, hostId: host.id, secretHash, enrollTokenId: token.id, createdMs: nowMs })
        .run();
      return { agentId: id, credential: formatToken("vga", id, secret), hostId: facts.machineId };
    })
    .immediate();
}
