import { randomBytes } from "node:crypto";
import { hash } from "@node-rs/argon2";
import { type Role, type Store, users } from "@vigil/db";
import { count, eq } from "drizzle-orm";
import { badRequest, conflict } from "../errors";

export const generatePassword = () => randomBytes(18).toString("base64url");

/** Creates an account with an argon2id password hash. */
export async function createUser(
  store: Store,
  spec: { name: string; role: Role; password: string },
  nowMs = Date.now(),
) {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(spec.name)) {
    throw badRequest("a user name is 1-64 letters, digits, '.', '_', '@' or '-'");
  }
  if (spec.password.length < 12) throw badRequest("a password needs at least 12 characters");
  if (store.db.select({ id: users.id }).from(users).where(eq(users.name, spec.name)).get()) {
    throw conflict(`a user named ${spec.name} already exists`);
  }
  const passwordHash = await hash(spec.password);
  return store.db
    .insert(users)
    .values({ name: spec.name, role: spec.role, passwordHash, createdMs: nowMs })
    .returning({ id: users.id, name: users.name, role: users.role })
    .get();
}

export const countUsers = (store: Store) => store.db.select({ n: count() }).from(users).get()?.n ?? 0;
