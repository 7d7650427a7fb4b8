import { type Role, type Store, sessions, users } from "@vigil/db";
import { and, count, eq, isNull, ne } from "drizzle-orm";
import { conflict, notFound } from "../errors";

export function listUsers(store: Store) {
  return store.db
    .select({
      id: users.id,
      name: users.name,
      role: users.role,
      createdMs: users.createdMs,
      disabledMs: users.disabledMs,
    })
    .from(users)
    .orderBy(users.name)
    .all();
}

/**
 * Changes a user's role or disables (or re-enables) them. Their sessions end, so the change takes effect at once;
 * the last enabled admin cannot be demoted or disabled (nobody could manage the server any more).
 */
export function updateUser(
  store: Store,
  change: { id: number; role?: Role; disabled?: boolean },
  nowMs = Date.now(),
): { name: string; role?: Role; disabled?: boolean } {
  const user = store.db.select().from(users).where(eq(users.id, change.id)).get();
  if (!user) throw notFound(`no user ${change.id}`);
  const losesAdmin =
    user.role === "admin" &&
    user.disabledMs === null &&
    (change.disabled === true || (change.role ?? "admin") !== "admin");
  if (losesAdmin) {
    const otherAdmins =
      store.db
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.role, "admin"), isNull(users.disabledMs), ne(users.id, user.id)))
        .get()?.n ?? 0;
    if (otherAdmins === 0) throw conflict(`${user.name} is the last admin: make another admin first`);
  }
  store.db.transaction((tx) => {
    tx.update(users)
      .set({
        ...(change.role ? { role: change.role } : {}),
        ...(change.disabled === undefined ? {} : { disabledMs: change.disabled ? nowMs : null }),
      })
      .where(eq(users.id, user.id))
      .run();
    tx.delete(sessions).where(eq(sessions.userId, user.id)).run();
  });
  return { name: user.name, role: change.role, disabled: change.disabled };
}
