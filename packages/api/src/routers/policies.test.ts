import { hosts } from "@vigil/db";
import { afterEach, describe, expect, it } from "vitest";
import { createCaller } from "../root";
import { testContext, userActor } from "../test-context";

let cleanup = () => {};
afterEach(() => cleanup());

const text = (mode: string, path = "/usr/bin/*") => `apiVersion: vigil/v1
kind: Policy
name: protect-binaries
mode: ${mode}
rules:
  - id: no-delete
    on: unlink_running
    action: deny
    severity: high
    when: { file.path: "${path}" }
`;

describe("policies", () => {
  it("publishes versions, keeps each as written, refuses a stale base, rolls back as a new version; audited", async () => {
    const t = testContext(userActor("admin", "ops"));
    cleanup = t.cleanup;
    const admin = createCaller(t.context);
    const viewer = createCaller({ ...t.context, actor: userActor("viewer", "vic") });

    expect(await admin.policies.publish({ yaml: text("audit"), message: "first", basedOn: null })).toEqual({
      name: "protect-binaries",
      version: 1,
    });
    await expect(
      admin.policies.publish({ yaml: text("audit"), message: "again", basedOn: null }),
    ).rejects.toThrow(/already exists/);
    await admin.policies.publish({ yaml: text("enforce"), message: "enforce it", basedOn: 1 });
    await expect(
      admin.policies.publish({ yaml: text("enforce", "/usr/sbin/*"), message: "sbin too", basedOn: 1 }),
    ).rejects.toThrow(/version 2 of protect-binaries was published by user:ops after you opened version 1/);

    const listed = await viewer.policies.list();
    expect(listed).toEqual([
      expect.objectContaining({
        name: "protect-binaries",
        mode: "enforce",
        rules: 1,
        version: 2,
        message: "enforce it",
      }),
    ]);
    expect(await admin.policies.rollback({ name: "protect-binaries", toVersion: 1 })).toEqual({
      name: "protect-binaries",
      version: 3,
    });
    const history = await viewer.policies.get({ name: "protect-binaries" });
    expect(history.versions.map((v) => [v.version, v.message, v.publishedBy])).toEqual([
      [3, "roll back to version 1", "user:ops"],
      [2, "enforce it", "user:ops"],
      [1, "first", "user:ops"],
    ]);
    expect(history.yaml).toBe(text("audit"));
    expect((await viewer.policies.get({ name: "protect-binaries", version: 2 })).yaml).toBe(text("enforce"));
    await expect(viewer.policies.get({ name: "protect-binaries", version: 9 })).rejects.toThrow(
      /no version 9/,
    );
    await expect(viewer.policies.get({ name: "nothing-here" })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const actions = t.store.sqlite
      .prepare("SELECT actor, action, target, detail FROM audit_log ORDER BY id")
      .all();
    expect(actions).toEqual([
      {
        actor: "user:ops",
        action: "policy published",
        target: "policy:protect-binaries",
        detail: '{"version":1,"message":"first"}',
      },
      {
        actor: "user:ops",
        action: "policy published",
        target: "policy:protect-binaries",
        detail: '{"version":2,"message":"enforce it"}',
      },
      {
        actor: "user:ops",
        action: "policy rolled back",
        target: "policy:protect-binaries",
        detail: '{"version":3,"to":1}',
      },
    ]);
  });

  it("refuses to publish a policy with problems, listing each with its line, and stores nothing", async () => {
    const t = testContext(userActor("admin"));
    cleanup = t.cleanup;
    const admin = createCaller(t.context);
    const broken = text("audit").replace("action: deny", "action: deny\n    when2: {}");
    const check = await admin.policies.check({ yaml: broken });
    expect(check).toEqual({
      ok: false,
      errors: [
        {
          line: 9,
          column: 5,
          path: "rules[0].when2",
          message: 'unknown setting "when2"',
          suggestion: 'did you mean "when"?',
        },
      ],
    });
    await expect(admin.policies.publish({ yaml: broken, message: "m", basedOn: null })).rejects.toMatchObject(
      {
        code: "UNPROCESSABLE_CONTENT",
        message: 'the policy has 1 problem(s); the first, at line 9: unknown setting "when2"',
      },
    );
    expect(await admin.policies.list()).toEqual([]);
  });

  it("runs a back-test started by an analyst, streams its progress then its result, to that analyst alone", async () => {
    const t = testContext(userActor("analyst", "ana"));
    cleanup = t.cleanup;
    const analyst = createCaller(t.context);
    await expect(
      analyst.policies.backtest({ yaml: "kind: Policy", sinceMs: 0, untilMs: 1 }),
    ).rejects.toMatchObject({
      code: "UNPROCESSABLE_CONTENT",
    });
    const { id } = await analyst.policies.backtest({ yaml: text("audit"), sinceMs: 0, untilMs: 3_600_000 });
    const other = createCaller({ ...t.context, actor: userActor("analyst", "bob") });
    await expect(other.policies.backtestProgress({ id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const messages: unknown[] = [];
    for await (const message of await analyst.policies.backtestProgress({ id })) messages.push(message);
    expect(messages.at(-1)).toEqual({
      result: {
        mode: "audit",
        sinceMs: 0,
        untilMs: 3_600_000,
        hosts: { selected: 1, total: 1 },
        examined: 0,
        rules: [],
      },
    });
    // Progress may be skipped while no one watches, never reordered: the last one seen is the end.
    const progress = messages.slice(0, -1) as { progress: { done: number; total: number } }[];
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.map((m) => m.progress.done)).toEqual(
      [...progress.map((m) => m.progress.done)].sort((a, b) => a - b),
    );
    expect(progress.at(-1)?.progress).toEqual({ step: "unlink_running events", done: 20, total: 20 });
  });

  it("shows where the version in force stands on each host the policy selects, and runs canaries", async () => {
    const t = testContext(userActor("admin"));
    cleanup = t.cleanup;
    const admin = createCaller(t.context);
    const analyst = createCaller({ ...t.context, actor: userActor("analyst", "ana") });
    const add = (name: string, labels: Record<string, string>, policyStatus: unknown) =>
      t.store.db
        .insert(hosts)
        .values({
          machineId: name,
          name,
          labels,
          firstSeenMs: 0,
          lastSeenMs: 5,
          policyStatus: policyStatus as never,
        })
        .run();
    const status = (version: number | null, error: string | null = null) => ({
      hash: "h",
      applied: version ? [{ name: "protect-binaries", version }] : [],
      error,
      enforcing: false,
    });
    add("a-applied", { env: "prod" }, status(2));
    add("b-behind", { env: "prod" }, status(1));
    add("c-failed", { env: "prod" }, status(1, "protect-binaries version 2: line 3: bad"));
    add("d-silent", { env: "prod" }, null);
    add("e-staging", { env: "staging" }, status(2));
    const prod = (mode: string) =>
      text(mode).replace("rules:", "selector: { labels: { env: prod } }\nrules:");
    await admin.policies.publish({ yaml: prod("audit"), message: "v1", basedOn: null });
    await admin.policies.publish({ yaml: prod("enforce"), message: "v2", basedOn: 1 });
    const rollout = await admin.policies.rollout({ name: "protect-binaries" });
    expect(rollout.version).toBe(2);
    expect(rollout.hosts.map((h) => [h.name, h.state, h.version, h.error])).toEqual([
      ["a-applied", "applied", 2, null],
      ["b-behind", "pending", 1, null],
      ["c-failed", "failed", 1, "protect-binaries version 2: line 3: bad"],
      ["d-silent", "pending", null, null],
    ]);

    // A canary: version 3 goes to the first host first; the others are right to keep version 2 until promoted.
    await admin.policies.publish({ yaml: prod("audit"), message: "v3", basedOn: 2, canary: 1 });
    const canary = await admin.policies.rollout({ name: "protect-binaries" });
    expect(canary.canary).toEqual({ stableVersion: 2 });
    expect(canary.hosts.map((h) => [h.name, h.canary, h.expected, h.state])).toEqual([
      ["a-applied", true, 3, "pending"],
      ["b-behind", false, 2, "pending"],
      ["c-failed", false, 2, "failed"],
      ["d-silent", false, 2, "pending"],
    ]);
    await expect(analyst.policies.promote({ name: "protect-binaries" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await admin.policies.promote({ name: "protect-binaries" })).toEqual({
      name: "protect-binaries",
      version: 3,
    });
    const promoted = await admin.policies.rollout({ name: "protect-binaries" });
    expect(promoted.canary).toBeNull();
    expect(promoted.hosts.every((h) => h.expected === 3 && !h.canary)).toBe(true);
    await expect(admin.policies.promote({ name: "protect-binaries" })).rejects.toMatchObject({
      message: "version 3 of protect-binaries is already on every host it selects",
    });
  });
});
