import { validEvent } from "@vigil/events/fixtures";
import { describe, expect, it } from "vitest";
import { AppliedPolicies } from "./applied-policies";

const policy = (name: string, action: string) => ({
  name,
  version: 2,
  yaml: `apiVersion: vigil/v1
kind: Policy
name: ${name}
mode: enforce
rules: [{ id: curl, on: exec, action: ${action}, severity: low, when: { process.exe: /usr/bin/curl } }]
`,
});
const line = (type: "exec" | "fork") => Buffer.from(JSON.stringify(validEvent(type)));
const judged = (applied: AppliedPolicies, type: "exec" | "fork") =>
  JSON.parse(applied.judge(type, line(type)).toString()) as { verdict: string; policy: unknown };

describe("AppliedPolicies", () => {
  it("marks what a rule decides, the strongest decision of all policies winning; other lines pass untouched", () => {
    const applied = new AppliedPolicies();
    const untouched = line("exec");
    expect(applied.judge("exec", untouched)).toBe(untouched); // no policy yet
    applied.apply({ hash: "h1", policies: [policy("watch", "alert"), policy("stop", "deny")] });
    expect(judged(applied, "exec")).toMatchObject({
      verdict: "audit",
      policy: { id: "stop", version: 2, rule: "curl" },
    });
    const fork = line("fork");
    expect(applied.judge("fork", fork)).toBe(fork); // bookkeeping events are not judged
    applied.apply({ hash: "h2", policies: [policy("watch", "alert")] });
    expect(judged(applied, "exec")).toMatchObject({
      verdict: "allowed",
      policy: { id: "watch", rule: "curl" },
    });
  });

  it("keeps the previous bundle whole when a policy of the new one does not parse here, and says why", () => {
    const applied = new AppliedPolicies();
    applied.apply({ hash: "h1", policies: [policy("watch", "alert")] });
    applied.apply({
      hash: "h2",
      policies: [policy("stop", "deny"), { ...policy("bad", "alert"), yaml: "kind: x" }],
    });
    expect(applied.hash).toBe("h1");
    expect(applied.applied).toEqual([{ name: "watch", version: 2 }]);
    expect(applied.error).toMatch(/^bad version 2: line 1: /);
    expect(judged(applied, "exec")).toMatchObject({ verdict: "allowed", policy: { id: "watch" } });
  });
});
