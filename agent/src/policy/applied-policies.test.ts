import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validEvent } from "@vigil/events/fixtures";
import type { PolicyBundle } from "@vigil/policy";
import { bundleHash } from "@vigil/policy/bundle";
import { describe, expect, it } from "vitest";
import type { KernelDecision } from "../decode/records";
import { AppliedPolicies, type Kernel } from "./applied-policies";

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
const bundle = (policies: PolicyBundle["policies"]): PolicyBundle => ({
  hash: bundleHash(policies),
  policies,
});
const line = (type: "exec" | "fork") => Buffer.from(JSON.stringify(validEvent(type)));
const judged = (applied: AppliedPolicies, type: "exec" | "fork", decision: KernelDecision = null) =>
  JSON.parse(applied.judge(type, line(type), decision).toString()) as { verdict: string; policy: unknown };

/** The sensor's side of the policy protocol: what it was sent, and its answer. */
function fakeKernel(answer: (generation: number) => string | null = () => null) {
  const sent: string[][] = [];
  const kernel: Kernel = {
    available: () => true,
    apply: async (lines, generation) => {
      sent.push(lines);
      return answer(generation);
    },
  };
  return { kernel, sent };
}
const files = (pattern: string) => (pattern === "/usr/bin/curl" ? ["/usr/bin/curl"] : []);

describe("AppliedPolicies", () => {
  it("marks what a rule decides, the strongest decision of all policies winning; other lines pass untouched", async () => {
    const applied = new AppliedPolicies();
    const untouched = line("exec");
    expect(applied.judge("exec", untouched)).toBe(untouched); // no policy yet
    await applied.apply(bundle([policy("watch", "alert"), policy("stop", "deny")]));
    expect(judged(applied, "exec")).toMatchObject({
      verdict: "audit",
      policy: { id: "stop", version: 2, rule: "curl" },
    });
    const fork = line("fork");
    expect(applied.judge("fork", fork)).toBe(fork); // bookkeeping events are not judged
    const ptrace = Buffer.from(JSON.stringify(validEvent("ptrace")));
    expect(applied.judge("ptrace", ptrace)).toBe(ptrace); // no rule is about ptrace: not even parsed
    await applied.apply(bundle([policy("watch", "alert")]));
    expect(judged(applied, "exec")).toMatchObject({
      verdict: "allowed",
      policy: { id: "watch", rule: "curl" },
    });
  });

  it("keeps the previous bundle whole when a policy of the new one does not parse here, and says why", async () => {
    const applied = new AppliedPolicies();
    await applied.apply(bundle([policy("watch", "alert")]));
    await applied.apply(bundle([policy("stop", "deny"), { ...policy("bad", "alert"), yaml: "kind: x" }]));
    expect(applied.hash).toBe(bundle([policy("watch", "alert")]).hash);
    expect(applied.applied).toEqual([{ name: "watch", version: 2 }]);
    expect(applied.error).toMatch(/^bad version 2: line 1: /);
    expect(judged(applied, "exec")).toMatchObject({ verdict: "allowed", policy: { id: "watch" } });
  });

  it("applies nothing whose policies do not hash to the bundle's digest", async () => {
    const applied = new AppliedPolicies();
    const good = bundle([policy("watch", "alert")]);
    await applied.apply(good);
    const damaged = bundle([policy("stop", "deny")]);
    await applied.apply({ ...damaged, policies: [policy("watch", "deny")] });
    expect(applied.hash).toBe(good.hash);
    expect(applied.error).toBe(
      `the bundle ${damaged.hash} does not hash to its policies (damaged on the way?): not applied`,
    );
  });

  it("hands the sensor a kernel generation and takes its decisions, naming the rule of the generation that decided", async () => {
    const { kernel, sent } = fakeKernel();
    const applied = new AppliedPolicies(kernel, { name: "web-1" }, files);
    expect(applied.enforcing).toBe(false);
    await applied.apply(bundle([policy("watch", "alert"), policy("stop", "deny")]));
    expect(applied.enforcing).toBe(true);
    expect(sent).toEqual([
      [
        "begin 1",
        "rule 1 0 deny enforce 1 2 0",
        `path 1 when 1 1 ${Buffer.from("/usr/bin/curl").toString("hex")}`,
        "commit",
      ],
    ]);
    expect(judged(applied, "exec", { generation: 1, rule: 0, verdict: "denied" })).toMatchObject({
      verdict: "denied",
      policy: { id: "stop", version: 2, rule: "curl" },
    });
    // Without a kernel decision, the matcher's deny did not happen here.
    expect(judged(applied, "exec")).toMatchObject({ verdict: "audit", policy: { id: "stop" } });

    await applied.refresh(); // the same files: nothing new for the sensor
    expect(sent).toHaveLength(1);
    await applied.apply(bundle([policy("watch", "alert")]));
    expect(sent[1]).toEqual(["begin 2", "commit"]);
    // An event of the previous generation still names its rule.
    expect(judged(applied, "exec", { generation: 1, rule: 0, verdict: "denied" })).toMatchObject({
      policy: { id: "stop", rule: "curl" },
    });
  });

  it("hands the sensor a new generation when a file it names is replaced under the same path", async () => {
    const { kernel, sent } = fakeKernel();
    const dir = mkdtempSync(join(tmpdir(), "vigil-replaced-"));
    const curl = join(dir, "curl");
    writeFileSync(curl, "old");
    const applied = new AppliedPolicies(kernel, { name: "web-1" }, (p) =>
      p === "/usr/bin/curl" ? [curl] : [],
    );
    try {
      await applied.apply(bundle([policy("stop", "deny")]));
      await applied.refresh();
      expect(sent).toHaveLength(1); // the same file
      writeFileSync(`${curl}.new`, "new");
      renameSync(`${curl}.new`, curl); // as a package upgrade does: another inode at the same path
      await applied.refresh();
      expect(sent.map((lines) => lines[0])).toEqual(["begin 1", "begin 2"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("hands a sensor started again the policies in force (it holds none)", async () => {
    const { kernel, sent } = fakeKernel();
    const applied = new AppliedPolicies(kernel, { name: "web-1" }, files);
    await applied.apply(bundle([policy("stop", "deny")]));
    await applied.refresh();
    expect(sent).toHaveLength(1);
    await applied.sensorRestarted();
    expect(sent).toHaveLength(2);
    expect(sent[1]?.slice(1)).toEqual(sent[0]?.slice(1));
    expect(applied.enforcing).toBe(true);
  });

  it("hands the sensor one generation at a time, a refresh waiting for a bundle being applied", async () => {
    const { kernel, sent } = fakeKernel();
    const slow: Kernel = {
      available: () => true,
      apply: async (lines, generation) => {
        await new Promise((r) => setTimeout(r, 20));
        return kernel.apply(lines, generation);
      },
    };
    let curl = ["/usr/bin/curl"];
    const applied = new AppliedPolicies(slow, { name: "web-1" }, (p) => (p === "/usr/bin/curl" ? curl : []));
    await applied.apply(bundle([policy("stop", "deny")]));
    curl = ["/usr/bin/curl", "/opt/curl"]; // the files changed: both would send a generation
    await Promise.all([
      applied.apply(bundle([policy("stop", "deny"), policy("watch", "alert")])),
      applied.refresh(),
    ]);
    expect(sent.map((lines) => lines[0])).toEqual(["begin 1", "begin 2"]); // the refresh found it in force
  });

  it("keeps the previous bundle when the sensor refuses the new generation, and says why", async () => {
    const { kernel } = fakeKernel((generation) => (generation === 2 ? "out of memory" : null));
    const applied = new AppliedPolicies(kernel, { name: "web-1" }, files);
    await applied.apply(bundle([policy("stop", "deny")]));
    await applied.apply(bundle([policy("watch", "alert")]));
    expect(applied.hash).toBe(bundle([policy("stop", "deny")]).hash);
    expect(applied.error).toBe("the sensor did not apply the policies: out of memory");
    expect(judged(applied, "exec", { generation: 1, rule: 0, verdict: "denied" })).toMatchObject({
      policy: { id: "stop" },
    });
  });
});
