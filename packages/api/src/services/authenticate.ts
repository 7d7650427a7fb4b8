import { agents, apiTokens, oncePer, type Role, roles, type Store, writeUnlessBusy } from "@vigil/db";
import type { Statement } from "better-sqlite3";
import { eq, sql } from "drizzle-orm";
import { conflict, forbidden, unauthorized } from "../errors";
import { formatToken, newSecret, parseToken, secretMatches } from "../secrets";

export type AuthenticatedAgent = {
  agentId: string;
  hostId: number;
  machineId: string;
  /** an admin asked for a new credential, which the agent has not used yet */
  rotateCredential: boolean;
};
export type AuthenticatedToken = { tokenId: string; name: string; role: Role };

/** The bearer credential of an `Authorization` header, or null. */
export function bearer(authorization: string | null): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match ? (match[1] as string) : null;
}

type AgentCredentials = {
  agentId: string;
  hostId: number;
  machineId: string;
  secretHash: string;
  nextSecretHash: string | null;
  rotateRequestedMs: number | null;
  revokedMs: number | null;
};

// Every agent request starts here (hundreds a second in a large fleet): one statement prepared per database.
const agentLookup = oncePer(
  (sqlite: Store["sqlite"]): Statement<[string], AgentCredentials> =>
    sqlite.prepare(
      `SELECT a.id AS agentId, a.host_id AS hostId, h.machine_id AS machineId, a.secret_hash AS secretHash,
       a.next_secret_hash AS nextSecretHash, a.rotate_requested_ms AS rotateRequestedMs, a.revoked_ms AS revokedMs
     FROM agents a JOIN hosts h ON h.id = a.host_id WHERE a.id = ?`,
    ),
);

export function authenticateAgent(
  store: Store,
  credential: string | null,
  nowMs = Date.now(),
): AuthenticatedAgent {
  const parsed = credential ? parseToken("vga", credential) : null;
  if (!parsed) throw unauthorized("missing or malformed agent credential (Authorization: Bearer vga_...)");
  const row = agentLookup(store.sqlite).get(parsed.id);
  if (!row) throw unauthorized("unknown agent credential");
  const current = secretMatches(parsed.secret, row.secretHash);
  const next = !current && row.nextSecretHash !== null && secretMatches(parsed.secret, row.nextSecretHash);
  if (!current && !next) throw unauthorized("unknown agent credential");
  if (row.revokedMs !== null) throw unauthorized("this agent was revoked: enroll it again with a new token");
  if (next) {
    // The first use of the new secret completes the rotation: from now on the old one is refused.
    store.db
      .update(agents)
      .set({
        secretHash: row.nextSecretHash as string,
        nextSecretHash: null,
        rotateRequestedMs: null,
        rotatedMs: nowMs,
      })
      .where(eq(agents.id, row.agentId))
      .run();
  }
  return {
    agentId: row.agentId,
    hostId: row.hostId,
    machineId: row.machineId,
    rotateCredential: !next && row.rotateRequestedMs !== null,
  };
}

/**
 * A new credential for an agent an admin asked to rotate; its old one stays valid until the new one is first used
 * (an agent that fails to save it asks again and gets another). 409 when no rotation was asked for.
 */
export function issueNextCredential(store: Store, agent: AuthenticatedAgent): { credential: string } {
  if (!agent.rotateCredential) {
    throw conflict("no new credential was asked for this agent: an admin rotates it from the host's page");
  }
  const { secret, secretHash } = newSecret();
  store.db.update(agents).set({ nextSecretHash: secretHash }).where(eq(agents.id, agent.agentId)).run();
  return { credential: formatToken("vga", agent.agentId, secret) };
}

const LAST_USED_EVERY_MS = 60_000;

// Every console request with a token starts here: one query prepared per database, not built and prepared each time.
const tokenLookup = oncePer((store: Store) =>
  store.db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.id, sql.placeholder("id")))
    .prepare(),
);

/** The API token a bearer credential names, whatever its role; 401 when it is missing, unknown or revoked. */
export function tokenActor(store: Store, credential: string | null, nowMs = Date.now()): AuthenticatedToken {
  const parsed = credential ? parseToken("vgt", credential) : null;
  if (!parsed)
    throw unauthorized(
      "missing or malformed API token (Authorization: Bearer vgt_...): create one with `vigil token create`",
    );
  const row = tokenLookup(store).get({ id: parsed.id });
  if (!row || !secretMatches(parsed.secret, row.secretHash)) throw unauthorized("unknown API token");
  if (row.revokedMs !== null) throw unauthorized("this API token was revoked");
  // To the minute, and only when the writing thread does not hold the lock: waiting for its commit (up to a few
  // hundred ms during ingest) would hold up every request on this thread. A later request writes it then.
  if (row.lastUsedMs === null || nowMs - row.lastUsedMs >= LAST_USED_EVERY_MS)
    writeUnlessBusy(store.sqlite, () =>
      store.db.update(apiTokens).set({ lastUsedMs: nowMs }).where(eq(apiTokens.id, row.id)).run(),
    );
  return { tokenId: row.id, name: row.name, role: row.role };
}

/** Whether `role` is at least `needed` (viewer < analyst < admin). */
export const roleAllows = (role: Role, needed: Role) => roles.indexOf(role) >= roles.indexOf(needed);

/** An API token allowed at least `role` (viewer < analyst < admin). */
export function authenticateToken(
  store: Store,
  credential: string | null,
  role: Role,
  nowMs = Date.now(),
): AuthenticatedToken {
  const token = tokenActor(store, credential, nowMs);
  if (!roleAllows(token.role, role)) {
    throw forbidden(`this API token has role ${token.role}; this needs ${role} or higher`);
  }
  return token;
}
