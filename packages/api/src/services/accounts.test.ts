import { sessions } from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { afterEach, describe, expect, it } from "vitest";
import { listUsers, updateUser } from "./accounts";
import { sessionUser, signIn } from "./sessions";
import { SignInThrottle } from "./sign-in-throttle";
import { createUser } from "./users";

let cleanup = () => {};
afterEach(() => cleanup());

describe("accounts", () => {
  it("ends a user's sessions when their role changes or they are disabled, and never loses the last admin", async () => {
    const t = testStore();
    cleanup = t.cleanup;
    const password = "a long enough password";
    const root = await createUser(t.store, { name: "root", role: "admin", password });
    const ana = await createUser(t.store, { name: "ana", role: "analyst", password });
    const { cookie } = await signIn(t.store, new SignInThrottle(), { name: "ana", password, source: null });
    expect(sessionUser(t.store, cookie)?.role).toBe("analyst");

    updateUser(t.store, { id: ana.id, role: "viewer" });
    expect(sessionUser(t.store, cookie)).toBeNull(); // signed out: the next sign-in carries the new role
    expect(() => updateUser(t.store, { id: root.id, role: "viewer" })).toThrow(/last admin/);
    expect(() => updateUser(t.store, { id: root.id, disabled: true })).toThrow(/last admin/);

    updateUser(t.store, { id: ana.id, role: "admin" });
    updateUser(t.store, { id: root.id, disabled: true }); // another admin exists now
    expect(listUsers(t.store).map((u) => [u.name, u.role, u.disabledMs !== null])).toEqual([
      ["ana", "admin", false],
      ["root", "admin", true],
    ]);
    expect(t.store.db.select().from(sessions).all()).toEqual([]);
    expect(() => updateUser(t.store, { id: 99, disabled: true })).toThrow("no user 99");
  });
});
