import { afterEach, describe, expect, it } from "vitest";
import { createCaller } from "../root";
import { testContext, userActor } from "../test-context";

let cleanup = () => {};
afterEach(() => cleanup());

describe("settings", () => {
  it("keeps the retention admins choose, refuses nonsense with a reason, goes back to defaults; audited", async () => {
    const t = testContext(userActor("admin", "ops"));
    cleanup = t.cleanup;
    const caller = createCaller(t.context);
    expect((await caller.settings.get()).retention).toBeNull(); // the server's defaults

    await caller.settings.update({ retention: { days: 14, maxEvents: 5_000_000 } });
    expect((await caller.settings.get()).retention).toEqual({ days: 14, maxEvents: 5_000_000 });

    await expect(caller.settings.update({ retention: { days: 0, maxEvents: 5_000_000 } })).rejects.toThrow(
      /at least 1 day/,
    );
    await expect(caller.settings.update({ retention: { days: 7, maxEvents: 10 } })).rejects.toThrow(
      /at least 1,000 events/,
    );
    expect((await caller.settings.get()).retention).toEqual({ days: 14, maxEvents: 5_000_000 });

    await caller.settings.update({ retention: null });
    expect((await caller.settings.get()).retention).toBeNull();
    const audit = t.store.sqlite.prepare("SELECT actor, action, detail FROM audit_log ORDER BY id").all() as {
      actor: string;
      action: string;
      detail: string;
    }[];
    expect(audit.map((a) => [a.actor, a.action, JSON.parse(a.detail)])).toEqual([
      ["user:ops", "settings changed", { before: null, after: { days: 14, maxEvents: 5_000_000 } }],
      ["user:ops", "settings changed", { before: { days: 14, maxEvents: 5_000_000 }, after: null }],
    ]);
  });
});
