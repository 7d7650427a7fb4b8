import { type Role, SqliteEventStore } from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { SignInThrottle } from "./services/sign-in-throttle";
import type { Actor, Context } from "./trpc/context";

/** A signed-in user of `role` (user id 1), as procedures see one. */
export const userActor = (role: Role, name = `a-${role}`): Actor => ({
  kind: "user",
  userId: 1,
  name,
  role,
  sessionId: "0",
});

/** A procedure context on a fresh test store; `cleanup` deletes the store. */
export function testContext(actor: Actor | null, source: string | null = "192.0.2.1") {
  const { store, hostId, cleanup } = testStore();
  const context: Context = {
    store,
    events: new SqliteEventStore(store),
    actor,
    source,
    throttle: new SignInThrottle(),
    sessionCookie: { set: () => {}, clear: () => {} },
  };
  return { context, store, hostId, cleanup };
}
