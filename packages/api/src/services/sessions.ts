import { verify } from "@node-rs/argon2";
import { type Role, type Store, sessions, users } from "@vigil/db";
import { eq } from "drizzle-orm";
import { unauthorized } from "../errors";
import { formatToken, newSecret, parseToken, secretMatches } from "../secrets";
import { recordAudit } from "./audit";
import type { SignInThrottle } from "./sign-in-throttle";

export const sessionLifetimeMs = 12 * 60 * 60_000;

export type SignedInUser = { kind: "user"; userId: number; name: string; role: Role; sessionId: string };

// A real hash, so an unknown name costs the same time as a wrong password and does not reveal which names exist.
const unknownUserHash =
  "$argon2id$v=19$m=19456,t=2,p=1$eF9kYEXh+H/3XH4AxmhBHw$/kI7/P9+1/kDbQlJSg/IpORD2kz+vDVeEwNFaQLy2dY";

/** Checks a name and password; on success opens a session and returns the cookie value that names it. */
export async function signIn(
  store: Store,
  throttle: SignInThrottle,
  attempt: { name: string; password: string; source: string | null },
  nowMs = Date.now(),
): Promise<{ cookie: string; user: { name: string; role: Role }; expiresMs: number }> {
  throttle.check(attempt.name, attempt.source, nowMs);
  const user = store.db.select().from(users).where(eq(users.name, attempt.name)).get();
  const matches = await verify(user?.passwordHash ?? unknownUserHash, attempt.password).catch(() => false);
  if (!user || !matches || user.disabledMs !== null) {
    throttle.failed(attempt.name, attempt.source, nowMs);
    recordAudit(store, { actor: attempt.name, action: "sign-in failed", source: attempt.source }, nowMs);
    throw unauthorized("wrong user name or password");
  }
  throttle.succeeded(attempt.name);
  const { id, secret, secretHash } = newSecret();
  const expiresMs = nowMs + sessionLifetimeMs;
  store.db.insert(sessions).values({ id, userId: user.id, secretHash, createdMs: nowMs, expiresMs }).run();
  recordAudit(store, { actor: `user:${user.name}`, action: "signed in", source: attempt.source }, nowMs);
  return { cookie: formatToken("vgs", id, secret), user: { name: user.name, role: user.role }, expiresMs };
}

/** The user a session cookie belongs to, or null when it is missing, forged, expired or the user is disabled. */
export function sessionUser(
  store: Store,
  cookie: string | undefined,
  nowMs = Date.now(),
): SignedInUser | null {
  const parsed = cookie ? parseToken("vgs", cookie) : null;
  if (!parsed) return null;
  const row = store.db
    .select({
      secretHash: sessions.secretHash,
      expiresMs: sessions.expiresMs,
      userId: users.id,
      name: users.name,
      role: users.role,
      disabledMs: users.disabledMs,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, parsed.id))
    .get();
  if (!row || !secretMatches(parsed.secret, row.secretHash)) return null;
  if (row.expiresMs <= nowMs || row.disabledMs !== null) return null;
  return { kind: "user", userId: row.userId, name: row.name, role: row.role, sessionId: parsed.id };
}

export function signOut(store: Store, user: SignedInUser, source: string | null, nowMs = Date.now()): void {
  store.db.delete(sessions).where(eq(sessions.id, user.sessionId)).run();
  recordAudit(store, { actor: `user:${user.name}`, action: "signed out", source }, nowMs);
}

/** Whether a session opened earlier is still open (not signed out, not expired, its user not disabled). */
export function sessionOpen(store: Store, sessionId: string, nowMs = Date.now()): boolean {
  const row = store.db
    .select({ expiresMs: sessions.expiresMs, disabledMs: users.disabledMs })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sessionId))
    .get();
  return row !== undefined && row.expiresMs > nowMs && row.disabledMs === null;
}
