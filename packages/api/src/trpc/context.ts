import type { Store } from "@vigil/db";
import type { AuthenticatedToken } from "../services/authenticate";
import type { SignedInUser } from "../services/sessions";
import type { SignInThrottle } from "../services/sign-in-throttle";

export type Actor = SignedInUser | ({ kind: "token" } & AuthenticatedToken);

/** How a procedure sets or clears the session cookie; the HTTP adapter writes it into the response. */
export type SessionCookie = { set(value: string, expiresMs: number): void; clear(): void };

export type Context = {
  store: Store;
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
