import type { EventStore, Store } from "@vigil/db";
import { type AuditEntry, recordAudit } from "../services/audit";
import type { AuthenticatedToken } from "../services/authenticate";
import type { SignedInUser } from "../services/sessions";
import type { SignInThrottle } from "../services/sign-in-throttle";

export type Actor = SignedInUser | ({ kind: "token" } & AuthenticatedToken);

/** How a procedure sets or clears the session cookie; the HTTP adapter writes it into the response. */
export type SessionCookie = { set(value: string, expiresMs: number): void; clear(): void };

export type Context = {
  /** The control plane: users, hosts, policies, alerts (and, with the default engine, events). */
  store: Store;
  /** Where events are kept: SQLite (the same database) or ClickHouse. */
  events: EventStore;
  /** Who calls: a signed-in user, an API token, or nobody. */
  actor: Actor | null;
  /** The client's address, for the audit log and sign-in throttling. */
  source: string | null;
  throttle: SignInThrottle;
  sessionCookie: SessionCookie;
};

/** How the audit log names an actor. */
export const actorName = (actor: Actor) =>
  actor.kind === "user" ? `user:${actor.name}` : `token:${actor.tokenId}`;

/** Records in the audit log what the caller of a procedure did, as them and from where they called. */
export function audit(
  ctx: { store: Store; actor: Actor; source: string | null },
  entry: Omit<AuditEntry, "actor" | "source">,
): void {
  recordAudit(ctx.store, { ...entry, actor: actorName(ctx.actor), source: ctx.source });
}
