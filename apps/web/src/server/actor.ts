import { type Actor, bearer, DomainError, sessionUser, tokenActor, unauthorized } from "@vigil/api";
import type { Store } from "@vigil/db";
import { sessionCookieOf } from "./session-cookie";

/** Who sends a request: an API token (Authorization: Bearer vgt_...), a signed-in user (the session cookie), or null. */
export function actorOf(store: Store, headers: Headers): Actor | null {
  try {
    return requireActor(store, headers);
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
}

/** The client's address: the first proxy hop when behind one, else unknown to a route handler. */
export const sourceOf = (headers: Headers) =>
  headers.get("x-forwarded-for")?.split(",")[0]?.trim() || headers.get("x-real-ip") || null;

/** The request's actor, or a 401 that says what was wrong with its token or that it needs one. */
export function requireActor(store: Store, headers: Headers): Actor {
  const credential = bearer(headers.get("authorization"));
  if (credential) return { kind: "token", ...tokenActor(store, credential) };
  const user = sessionUser(store, sessionCookieOf(headers.get("cookie")));
  if (!user) {
    throw unauthorized(
      "sign in, or send an API token (Authorization: Bearer vgt_...): create one with `vigil token create`",
    );
  }
  return user;
}
