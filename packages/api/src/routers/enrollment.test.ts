import { afterEach, describe, expect, it } from "vitest";
import { createCaller } from "../root";
import { enrollAgent } from "../services/enroll";
import { testContext, userActor } from "../test-context";

let cleanup = () => {};
afterEach(() => cleanup());

function admin() {
  const t = testContext(userActor("admin", "root-admin"));
  cleanup = t.cleanup;
  return { store: t.store, caller: createCaller(t.context) };
}

describe("enrollment tokens in the console", () => {
  it("creates a token shown once, lists it without its secret, counts its uses, and revokes it", async () => {
    const { store, caller } = admin();
    const { id, token } = await caller.enrollment.create({
      name: "web fleet",
      labels: { env: "prod", team: "web" },
      expiresDays: 7,
      maxUses: 2,
    });
    expect(token).toMatch(/^vge_/);
    enrollAgent(store, { token, host: { machineId: "m1", name: "web-1" } });

    const [listed] = await caller.enrollment.list();
    expect(listed).toMatchObject({ id, name: "web fleet", labels: { env: "prod", team: "web" }, uses: 1 });
    expect(listed?.maxUses).toBe(2);
    expect((listed?.expiresMs ?? 0) - (listed?.createdMs ?? 0)).toBe(7 * 24 * 3600 * 1000);
    expect(JSON.stringify(listed)).not.toContain(token.slice(21)); // no secret, no hash of it
    expect(Object.keys(listed ?? {})).not.toContain("secretHash");

    await caller.enrollment.revoke({ id });
    expect(() => enrollAgent(store, { token, host: { machineId: "m2", name: "web-2" } })).toThrow(/revoked/);
    await expect(caller.enrollment.revoke({ id: "0123456789abcdef" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const actions = store.sqlite.prepare("SELECT actor, action, target FROM audit_log ORDER BY id").all() as {
      actor: string;
      action: string;
      target: string;
    }[];
    expect(actions).toEqual([
      { actor: "user:root-admin", action: "enrollment token created", target: `enroll-token:${id}` },
      { actor: "user:root-admin", action: "enrollment token revoked", target: `enroll-token:${id}` },
    ]);
  });

  it("refuses bad labels and limits with a message naming them", async () => {
    const { caller } = admin();
    await expect(caller.enrollment.create({ name: "x", labels: { "bad key!": "v" } })).rejects.toThrow(
      /label key/,
    );
    await expect(caller.enrollment.create({ name: "x", labels: { env: "a,b" } })).rejects.toThrow(/commas/);
    await expect(caller.enrollment.create({ name: "x", maxUses: 0 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});
