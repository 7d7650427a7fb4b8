import { auditLog, sessions, users } from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { sessionLifetimeMs, sessionUser, signIn, signOut } from "./sessions";
import { SignInThrottle } from "./sign-in-throttle";
import { createUser } from "./users";

let cleanup = () => {};
afterEach(() => cleanup());

async function setup() {
  const t = testStore();
  cleanup = t.cleanup;
  await createUser(t.store, { name: "ana", role: "analyst", password: "a long enough password" });
  return { store: t.store, throttle: new SignInThrottle(5, 60_000) };
}

const actions = (store: Awaited<ReturnType<typeof setup>>["store"]) =>
  store.db
    .select()
    .from(auditLog)
    .all()
    .map((r) => `${r.actor} ${r.action}`);

describe("console sessions", () => {
  it("opens a session for the right password, names its user, and closes it on sign-out", async () => {
    const { store, throttle } = await setup();
    const now = 1_000_000;
    const { cookie, user } = await signIn(
      store,
      throttle,
      { name: "ana", password: "a long enough password", source: "192.0.2.7" },
      now,
    );
    expect(user).toEqual({ name: "ana", role: "analyst" });
    expect(cookie).toMatch(/^vgs_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    const signedIn = sessionUser(store, cookie, now + 1);
    expect(signedIn).toMatchObject({ name: "ana", role: "analyst" });
    expect(store.db.select().from(sessions).get()?.secretHash).not.toContain(cookie.split(".")[1]);
    if (!signedIn) throw new Error("no session");
    signOut(store, signedIn, null, now + 2);
    expect(sessionUser(store, cookie, now + 3)).toBeNull();
    expect(actions(store)).toEqual(["user:ana signed in", "user:ana signed out"]);
  });

  it("refuses a wrong password or an unknown name alike, and records the attempt", async () => {
    const { store, throttle } = await setup();
    await expect(signIn(store, throttle, { name: "ana", password: "guess", source: null })).rejects.toThrow(
      "wrong user name or password",
    );
    await expect(signIn(store, throttle, { name: "root", password: "guess", source: null })).rejects.toThrow(
      "wrong user name or password",
    );
    expect(actions(store)).toEqual(["ana sign-in failed", "root sign-in failed"]);
  });

  it("refuses forged, expired and disabled users' sessions", async () => {
    const { store, throttle } = await setup();
    const { cookie } = await signIn(
      store,
      throttle,
      { name: "ana", password: "a long enough password", source: null },
      0,
    );
    expect(sessionUser(store, `${cookie.slice(0, -3)}xyz`, 1)).toBeNull();
    expect(sessionUser(store, "vgs_nonsense", 1)).toBeNull();
    expect(sessionUser(store, undefined, 1)).toBeNull();
    expect(sessionUser(store, cookie, sessionLifetimeMs)).toBeNull();
    expect(sessionUser(store, cookie, sessionLifetimeMs - 1)).not.toBeNull();
    store.db.update(users).set({ disabledMs: 5 }).where(eq(users.name, "ana")).run();
    expect(sessionUser(store, cookie, 10)).toBeNull();
  });

  it("stops guessing: after 5 failures even the right password waits, per name and per address", async () => {
    const { store, throttle } = await setup();
    const attempt = (password: string, source: string, now: number) =>
      signIn(store, throttle, { name: "ana", password, source }, now);
    for (let i = 0; i < 5; i++) await expect(attempt("guess", "192.0.2.1", i)).rejects.toThrow(/wrong/);
    await expect(attempt("a long enough password", "192.0.2.2", 10)).rejects.toMatchObject({ status: 429 });
    await expect(
      signIn(store, throttle, { name: "other", password: "x", source: "192.0.2.1" }, 10),
    ).rejects.toMatchObject({ status: 429 });
    await expect(attempt("a long enough password", "192.0.2.2", 60_001)).resolves.toMatchObject({
      user: { name: "ana" },
    });
  });
});

describe("sign-in throttle", () => {
  it("remembers a bounded number of names, forgetting the longest quiet first", () => {
    const throttle = new SignInThrottle(1, 60_000, 3);
    for (const name of ["a", "b", "c", "d"]) throttle.failed(name, null, 0);
    expect(() => throttle.check("a", null, 1)).not.toThrow(); // forgotten
    expect(() => throttle.check("d", null, 1)).toThrow(/too many failed sign-ins/);
  });
});
