import { apiTokens, openStore } from "@vigil/db";
import { afterEach, describe, expect, it } from "vitest";
import { testContext, userActor } from "../test-context";
import { createApiToken, revokeApiToken } from "./api-tokens";
import { tokenActor } from "./authenticate";

let cleanup = () => {};
afterEach(() => cleanup());

describe("API tokens", () => {
  it("say when they were last used, to the minute, without a write on every request", () => {
    const t = testContext(userActor("admin", "ops"));
    cleanup = t.cleanup;
    const { id, token } = createApiToken(t.store, { name: "grafana", role: "viewer" }, 0);
    const lastUsed = () =>
      t.store.db
        .select()
        .from(apiTokens)
        .all()
        .find((r) => r.id === id)?.lastUsedMs;
    const updates = () => t.store.sqlite.prepare("SELECT total_changes()").pluck().get() as number;
    expect(lastUsed()).toBeNull();
    expect(tokenActor(t.store, token, 1_000)).toMatchObject({ tokenId: id, role: "viewer" });
    expect(lastUsed()).toBe(1_000);
    const before = updates();
    tokenActor(t.store, token, 30_000);
    tokenActor(t.store, token, 60_999);
    expect(updates()).toBe(before);
    expect(lastUsed()).toBe(1_000);
    tokenActor(t.store, token, 61_000);
    expect(lastUsed()).toBe(61_000);

    // While the writing thread holds the lock, the request goes on and a later one writes the last use.
    const writingThread = openStore(t.store.sqlite.name);
    writingThread.sqlite.exec("BEGIN IMMEDIATE");
    expect(tokenActor(t.store, token, 130_000)).toMatchObject({ tokenId: id });
    expect(lastUsed()).toBe(61_000);
    writingThread.sqlite.exec("COMMIT");
    writingThread.close();
    tokenActor(t.store, token, 130_001);
    expect(lastUsed()).toBe(130_001);

    revokeApiToken(t.store, id, 132_000);
    expect(() => tokenActor(t.store, token, 132_001)).toThrow(/revoked/);
  });
});
