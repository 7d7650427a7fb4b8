import { join } from "node:path";
import { parseEvent, type VigilEvent } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type RuleEventType, ruleEventTypes } from "./fields";
import { globToRegExp } from "./glob";
import {
  compileKernelPlan,
  type KernelFacts,
  type KernelPlan,
  kernelDecide,
  MAX_KERNEL_POLICIES,
  MAX_KERNEL_RULES,
  planCommands,
} from "./kernel-plan";
import { PolicyMatcher } from "./match";
import { parsePolicy } from "./parse";
import { readTemplates } from "./templates";
import type { Policy } from "./types";

const universe = ["/usr/bin/a", "/usr/bin/b", "/tmp/x", "/opt/y/z"];

/** A fake file system holding `paths`: what a glob names on it. */
const expandIn = (paths: string[]) => (pattern: string) => paths.filter((p) => globToRegExp(pattern).test(p));

function parsed(yaml: string): Policy {
  const result = parsePolicy(yaml);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

const policy = (name: string, rules: string[], mode = "enforce") =>
  parsed(`apiVersion: vigil/v1\nkind: Policy\nname: ${name}\nmode: ${mode}\nrules:\n${rules.join("\n")}\n`);

/** The host's user names by uid; 4242 has none. */
const users = new Map([
  [0, "root"],
  [1000, "alice"],
]);
const uidsOf = (pattern: string) =>
  [...users].filter(([, name]) => globToRegExp(pattern).test(name)).map(([uid]) => uid);

function compile(policies: Policy[], host = "web-1", paths = universe) {
  return compileKernelPlan(
    policies.map((p, i) => ({ policy: p, id: `id-${i}`, version: i + 1 })),
    { name: host, uidsOf },
    expandIn(paths),
  );
}

function planOf(policies: Policy[], host = "web-1", paths = universe): KernelPlan {
  const result = compile(policies, host, paths);
  if (!result.ok) throw new Error(result.error);
  return result.plan;
}

const summary = (plan: KernelPlan) => plan.rules.map((r) => [r.policy.rule, r.slot, r.when, r.unless]);

describe("compileKernelPlan", () => {
  it("maps each type's fields to what the kernel sees", () => {
    const plan = planOf([
      policy("map", [
        "  - { id: e, on: exec, action: deny, severity: high, when: { process.exe: /usr/bin/a, process.uid: [0, 4294967296] }, unless: { process.euid: [0, 1000] } }",
        '  - { id: u, on: unlink_running, action: deny, severity: high, when: { file.path: "/usr/bin/*", process.exe: /tmp/x } }',
        "  - { id: p, on: ptrace, action: deny, severity: high, when: { target.exe: /usr/bin/b, target.self: false }, unless: { process.exe: /usr/bin/a, process.cgroupId: 42 } }",
        "  - { id: m, on: mem_write, action: deny, severity: high, when: { target.self: [true, false] } }",
      ]),
    ]);
    const policyOf = (rule: string) => ({ id: "id-0", version: 1, rule });
    const common = { action: "deny", enforce: true, policyIndex: 0, slot: 0 };
    expect(plan.rules).toEqual([
      { ...common, on: "exec", policy: policyOf("e"), when: ["file", "uid"], unless: ["euid"] },
      { ...common, on: "unlink_running", policy: policyOf("u"), when: ["file", "exe"], unless: [] },
      { ...common, on: "ptrace", policy: policyOf("p"), when: ["target", "self"], unless: ["exe", "cgroup"] },
      { ...common, on: "mem_write", policy: policyOf("m"), when: ["self"], unless: [] },
    ]);
    expect(plan.values).toEqual([
      { on: "exec", side: "when", field: "file", slots: 1n, path: "/usr/bin/a" },
      { on: "exec", side: "when", field: "uid", slots: 1n, id: 0 }, // a uid beyond 32 bits never matches
      { on: "exec", side: "unless", field: "euid", slots: 1n, id: 0 },
      { on: "exec", side: "unless", field: "euid", slots: 1n, id: 1000 },
      { on: "unlink_running", side: "when", field: "file", slots: 1n, path: "/usr/bin/a" },
      { on: "unlink_running", side: "when", field: "file", slots: 1n, path: "/usr/bin/b" },
      { on: "unlink_running", side: "when", field: "exe", slots: 1n, path: "/tmp/x" },
      { on: "ptrace", side: "when", field: "target", slots: 1n, path: "/usr/bin/b" },
      { on: "ptrace", side: "when", field: "self", slots: 1n, id: 0 },
      { on: "ptrace", side: "unless", field: "exe", slots: 1n, path: "/usr/bin/a" },
      { on: "ptrace", side: "unless", field: "cgroup", slots: 1n, id: 42 },
      { on: "mem_write", side: "when", field: "self", slots: 1n, id: 1 },
      { on: "mem_write", side: "when", field: "self", slots: 1n, id: 0 },
    ]);
  });

  it("numbers slots per type in bundle order, then rule order, and ORs the slots listing one value", () => {
    const plan = planOf([
      policy("one", [
        "  - { id: a, on: exec, action: deny, severity: high, when: { file.path: /tmp/x } }",
        "  - { id: b, on: ptrace, action: deny, severity: high }",
        "  - { id: c, on: exec, action: alert, severity: high }",
      ]),
      policy(
        "two",
        [
          '  - { id: d, on: exec, action: deny, severity: high, when: { file.path: "/tmp/*" } }',
          "  - { id: e, on: exec, action: allow, when: { process.uid: 0 } }",
        ],
        "audit",
      ),
    ]);
    expect(plan.rules.map((r) => [r.policy.rule, r.on, r.slot, r.policyIndex, r.action, r.enforce])).toEqual([
      ["a", "exec", 0, 0, "deny", true],
      ["b", "ptrace", 0, 0, "deny", true],
      ["d", "exec", 1, 1, "deny", false],
      ["e", "exec", 2, 1, "allow", false],
    ]);
    expect(plan.values.filter((v) => v.path === "/tmp/x")).toEqual([
      { on: "exec", side: "when", field: "file", slots: 0b11n, path: "/tmp/x" },
    ]);
  });

  it("intersects the conditions of one side that name the same kernel field, keeping empty sets tested", () => {
    const plan = planOf([
      policy("exec", [
        '  - { id: both, on: exec, action: deny, severity: high, when: { process.exe: "/usr/bin/*", file.path: [/usr/bin/a, /tmp/x] } }',
        "  - { id: never, on: exec, action: deny, severity: high, when: { process.filename: /tmp/x, file.path: /usr/bin/a } }",
        '  - { id: absent, on: exec, action: deny, severity: high, when: { file.path: "/nowhere/*" } }',
      ]),
    ]);
    expect(summary(plan)).toEqual([
      ["both", 0, ["file"], []],
      ["never", 1, ["file"], []],
      ["absent", 2, ["file"], []],
    ]);
    expect(plan.values).toEqual([{ on: "exec", side: "when", field: "file", slots: 1n, path: "/usr/bin/a" }]);
    expect(kernelDecide(plan, "exec", { file: "/usr/bin/a" })?.rule.policy.rule).toBe("both");
    expect(kernelDecide(plan, "exec", { file: "/tmp/x" })).toBeNull();
    expect(kernelDecide(plan, "exec", {})).toBeNull();
  });

  it("decides host.name for the host it compiles for", () => {
    const rule = (id: string, conditions: string) =>
      `  - { id: ${id}, on: exec, action: deny, severity: high, ${conditions} }`;
    const plan = planOf(
      [
        policy("hosts", [
          rule("when-false", 'when: { host.name: "db-*", process.uid: 0 }'),
          rule("when-true", 'when: { host.name: "web-*", process.uid: 0 }'),
          rule("unless-false", 'when: { process.uid: 0 }, unless: { host.name: "db-*", process.uid: 0 }'),
          rule("unless-only-true", 'unless: { host.name: "web-?" }'),
          rule("unless-true", 'unless: { host.name: "*", process.euid: 0 }'),
        ]),
      ],
      "web-1",
    );
    expect(summary(plan)).toEqual([
      ["when-true", 0, ["uid"], []],
      ["unless-false", 1, ["uid"], []],
      ["unless-true", 2, [], ["euid"]],
    ]);
    expect(plan.values.map((v) => [v.side, v.field, v.slots, v.id])).toEqual([
      ["when", "uid", 0b11n, 0],
      ["unless", "euid", 0b100n, 0],
    ]);
  });

  it("compiles an allow only where its policy denies, and refuses one the kernel cannot decide", () => {
    const allowArgv = "  - { id: curl-ok, on: exec, action: allow, when: { process.argv: [curl] } }";
    const onlyPtrace = policy("ptrace-only", [
      "  - { id: no-ptrace, on: ptrace, action: deny, severity: high }",
      allowArgv,
      "  - { id: watch, on: exec, action: alert, severity: low }",
    ]);
    expect(summary(planOf([onlyPtrace]))).toEqual([["no-ptrace", 0, [], []]]);

    const result = compile([
      onlyPtrace,
      policy("no-exec", ["  - { id: no-tmp, on: exec, action: deny, severity: high }", allowArgv]),
    ]);
    expect(result.ok).toBe(false);
    const error = result.ok ? "" : result.error;
    expect(error).toMatch(/policy "no-exec" rule "curl-ok"/);
    expect(error).toMatch(/process\.argv.*exec/);
    expect(error).toMatch(/alert/);
  });

  it("refuses a deny the kernel cannot decide, and a cgroup id too large to carry", () => {
    const deny = policy("deny", ["  - { id: d, on: exec, action: deny, severity: high }"]);
    const rule = deny.rules[0] as Policy["rules"][number];
    rule.when = { "process.comm": { kind: "glob", patterns: ["sh"] } };
    expect(compile([deny])).toEqual({ ok: false, error: expect.stringMatching(/"d".*process\.comm/) });
    rule.when = { "process.cgroupId": { kind: "id", ids: ["18446744073709551615"] } };
    expect(compile([deny])).toEqual({
      ok: false,
      error: expect.stringMatching(/process\.cgroupId: .*larger/),
    });
  });

  it(`holds at most ${MAX_KERNEL_RULES} rules per event type across the bundle, of the first ${MAX_KERNEL_POLICIES} policies`, () => {
    const denies = (n: number, on = "exec") =>
      Array.from(
        { length: n },
        (_, i) =>
          `  - { id: r${i}, on: ${on}, action: deny, severity: high, when: { file.path: /usr/bin/a } }`,
      );
    const full = planOf([
      policy("a", denies(40)),
      policy("b", denies(24)),
      policy("c", denies(64, "unlink_running")),
    ]);
    expect(full.rules).toHaveLength(128);
    expect(planCommands(full, 1)).toContain("path 1 when 1 ffffffffffffffff 2f7573722f62696e2f61");

    const over = compile([policy("a", denies(40)), policy("b", denies(25))]);
    expect(over).toEqual({ ok: false, error: expect.stringMatching(/more than 64 .* on exec/) });

    const alerting = Array.from({ length: 64 }, (_, i) =>
      policy(`p${i}`, ["  - { id: a, on: exec, action: alert, severity: low }"]),
    );
    expect(compile([...alerting.slice(1), policy("last", denies(1))])).toMatchObject({ ok: true });
    expect(compile([...alerting, policy("last", denies(1))])).toEqual({
      ok: false,
      error: expect.stringMatching(/policy "last" is number 65/),
    });
  });

  it("accepts every shipped template", () => {
    const templates = readTemplates(join(import.meta.dirname, "..", "templates"));
    expect(compile(templates.map((t) => parsed(t.yaml)))).toMatchObject({ ok: true });
  });
});

describe("planCommands", () => {
  it("writes the plan as the sensor's commands, paths in hex", () => {
    const plan = planOf(
      [
        policy("watch", ["  - { id: w, on: unlink_running, action: alert, severity: low }"]),
        policy(
          "cmds",
          [
            '  - { id: d, on: unlink_running, action: deny, severity: high, when: { file.path: "/opt/my app/*" }, unless: { process.uid: 0 } }',
            "  - { id: a, on: unlink_running, action: allow, when: { process.exe: /usr/bin/a } }",
          ],
          "audit",
        ),
      ],
      "web-1",
      ["/opt/my app/x\ny", "/usr/bin/a"],
    );
    expect(planCommands(plan, 7)).toEqual([
      "begin 7",
      "rule 4 0 deny audit 1 2 8",
      "rule 4 1 allow audit 1 1 0",
      "path 4 when 1 1 2f6f70742f6d79206170702f780a79",
      "id 4 unless 3 1 0",
      "path 4 when 0 2 2f7573722f62696e2f61",
      "commit",
    ]);
  });
});

/** The fields the tests change in a fixture event. */
type Editable = {
  host: { name: string };
  process: { exe: string; filename: string; uid: number; user?: string; pid: number };
  file: { path: string };
  target: { exe: string; pid: number };
};

function event(type: RuleEventType, change: (e: Editable) => void): VigilEvent {
  const raw = structuredClone(validEvent(type));
  change(raw as unknown as Editable);
  const result = parseEvent(raw);
  if (!result.ok) throw new Error(result.error);
  return result.event;
}

/** What the sensor knows of an event. */
function factsOf(e: VigilEvent): KernelFacts {
  const ids = { uid: e.process.uid, euid: e.process.euid };
  switch (e.type) {
    case "exec":
      return { ...ids, file: e.file.path };
    case "unlink_running":
      return { ...ids, exe: e.process.exe, file: e.file.path };
    case "ptrace":
    case "mem_write":
      return { ...ids, exe: e.process.exe, target: e.target.exe, self: e.target.pid === e.process.pid };
    default:
      return ids;
  }
}

describe("exec prefixes", () => {
  it("compare a `dir/**` pattern with the path executed, so files created later are covered at once", () => {
    const plan = planOf([
      policy("drops", [
        '  - { id: tmp, on: exec, action: deny, severity: high, when: { file.path: ["/tmp/**", "/usr/bin/a"] } }',
        '  - { id: deep, on: exec, action: deny, severity: high, when: { file.path: "/tmp/cache/**" }, unless: { process.exe: "/tmp/cache/ok/**" } }',
        // Two conditions on the file must both hold: named files only, as an intersection needs.
        '  - { id: both, on: exec, action: deny, severity: high, when: { file.path: "/opt/**", process.exe: "/opt/y/*" } }',
      ]),
    ]);
    const values = plan.values.map((v) => [v.side, v.prefix ?? v.path, v.slots]);
    expect(values).toEqual([
      ["when", "/tmp/", 1n],
      ["when", "/usr/bin/a", 1n],
      ["when", "/tmp/cache/", 3n], // the longest listed prefix carries the shorter ones' rules
      ["unless", "/tmp/cache/ok/", 2n],
      ["when", "/opt/y/z", 4n],
    ]);
    const decide = (file: string) => kernelDecide(plan, "exec", { file })?.rule.policy.rule ?? null;
    expect(decide("/tmp/new-drop")).toBe("tmp");
    expect(decide("/tmp/cache/x")).toBe("tmp");
    expect(decide("/tmp/cache/ok/y")).toBe("tmp");
    expect(decide("/opt/y/z")).toBe("both");
    expect(decide("/opt/new")).toBeNull();
    expect(planCommands(plan, 1)).toContain(`prefix 1 when 1 1 ${Buffer.from("/tmp/").toString("hex")}`);
  });

  it("name the files of a directory longer than the sensor's 248-byte prefixes instead", () => {
    const at = (length: number) => `/${"d".repeat(length - 2)}/`;
    const rule = (dir: string) =>
      policy("long", [
        `  - { id: r, on: exec, action: deny, severity: high, when: { file.path: "${dir}**" } }`,
      ]);
    const fits = planOf([rule(at(248))], "web-1", [`${at(248)}x`]);
    expect(fits.values.map((v) => v.prefix ?? v.path)).toEqual([at(248)]);
    const long = planOf([rule(at(249))], "web-1", [`${at(249)}x`]);
    expect(long.values.map((v) => v.prefix ?? v.path)).toEqual([`${at(249)}x`]);
  });
});

describe("kernelDecide", () => {
  it("lets an allow excuse only its own policy's denies, and prefers an enforcing deny", () => {
    const plan = planOf([
      policy(
        "audited",
        [
          "  - { id: a1, on: exec, action: deny, severity: high, when: { file.path: /tmp/x } }",
          "  - { id: a2, on: exec, action: allow, when: { process.uid: 0 } }",
        ],
        "audit",
      ),
      policy("enforced", [
        '  - { id: e1, on: exec, action: deny, severity: high, when: { file.path: "/tmp/*" }, unless: { process.uid: 1000 } }',
      ]),
    ]);
    const decide = (file: string, uid: number) => {
      const d = kernelDecide(plan, "exec", { file, uid });
      return d && [d.rule.policy.rule, d.verdict];
    };
    expect(decide("/tmp/x", 5)).toEqual(["e1", "denied"]);
    expect(decide("/tmp/x", 0)).toEqual(["e1", "denied"]);
    expect(decide("/tmp/x", 1000)).toEqual(["a1", "audit"]);
    expect(decide("/usr/bin/a", 5)).toBeNull();
    expect(kernelDecide(plan, "ptrace", {})).toBeNull();
  });

  it("decides as the user-space matcher does, on generated bundles and events", () => {
    const patterns = [
      "/usr/bin/a",
      "/usr/bin/*",
      "/tmp/*",
      "/opt/**",
      "/**",
      "/opt/*",
      "/usr/bin/c",
      "*",
      "/usr/**/b",
    ];
    const hostPatterns = ["web-*", "db-?", "*", "web-1"];
    const fieldsOn: Record<RuleEventType, string[]> = {
      exec: ["process.exe", "process.filename", "file.path", "process.uid", "process.user", "host.name"],
      unlink_running: ["process.exe", "file.path", "process.uid", "process.user", "host.name"],
      ptrace: ["process.exe", "target.exe", "target.self", "process.uid", "process.user", "host.name"],
      mem_write: ["process.exe", "target.exe", "target.self", "process.uid", "process.user", "host.name"],
    };
    const some = <T>(values: T[]) =>
      fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 3 });
    const conditionOf = (field: string) =>
      field === "host.name"
        ? some(hostPatterns)
        : field === "process.uid"
          ? some([0, 1000, 4242])
          : field === "process.user"
            ? some(["root", "alice", "a*", "*", "bob"])
            : field === "target.self"
              ? some([true, false])
              : some(patterns);
    const conditions = (on: RuleEventType) =>
      fc.record(Object.fromEntries(fieldsOn[on].map((f) => [f, conditionOf(f)])), { requiredKeys: [] });
    const rule = fc.constantFrom(...ruleEventTypes).chain((on) =>
      fc.record({
        on: fc.constant(on),
        action: fc.constantFrom("deny", "allow", "alert"),
        when: conditions(on),
        unless: fc.oneof(fc.constant({}), fc.record({ "host.name": some(hostPatterns) }), conditions(on)),
      }),
    );
    const bundle = fc.array(
      fc.record({
        mode: fc.constantFrom("audit", "enforce"),
        rules: fc.array(rule, { minLength: 1, maxLength: 6 }),
      }),
      { minLength: 1, maxLength: 3 },
    );
    const happening = fc.record({
      type: fc.constantFrom(...ruleEventTypes),
      host: fc.constantFrom("web-1", "db-1"),
      exe: fc.constantFrom(...universe),
      file: fc.constantFrom(...universe),
      target: fc.constantFrom(...universe),
      self: fc.boolean(),
      uid: fc.constantFrom(0, 1000, 4242),
    });

    fc.assert(
      fc.property(bundle, fc.array(happening, { minLength: 1, maxLength: 10 }), (drafts, happenings) => {
        const policies = drafts.map((draft, i) =>
          parsed(
            stringify({
              apiVersion: "vigil/v1",
              kind: "Policy",
              name: `p${i}`,
              mode: draft.mode,
              rules: draft.rules.map((r, j) => ({
                id: `r${j}`,
                ...r,
                ...(r.action === "allow" ? {} : { severity: "high" }),
              })),
            }),
          ),
        );
        const matchers = policies.map((p, i) => new PolicyMatcher(p, { id: `id-${i}`, version: i + 1 }));
        for (const host of ["web-1", "db-1"]) {
          const plan = planOf(policies, host);
          for (const h of happenings.filter((h) => h.host === host)) {
            const e = event(h.type, (raw) => {
              raw.host.name = host;
              raw.process.uid = h.uid;
              raw.process.user = users.get(h.uid);
              if (h.type === "exec") {
                raw.process.exe = raw.process.filename = raw.file.path = h.exe;
                return;
              }
              raw.process.exe = h.exe;
              if (h.type === "unlink_running") raw.file.path = h.file;
              else {
                raw.target.exe = h.target;
                if (h.self) raw.target.pid = raw.process.pid;
              }
            });
            const denies = matchers.map((m) => m.decide(e)).filter((d) => d?.action === "deny");
            const expected =
              denies.find((d) => d?.verdict === "denied") ?? denies.find((d) => d?.verdict === "audit");
            const got = kernelDecide(plan, h.type, factsOf(e));
            expect(got && { policy: got.rule.policy, verdict: got.verdict }).toEqual(
              expected ? { policy: expected.policy, verdict: expected.verdict } : null,
            );
          }
        }
      }),
      { numRuns: 250 },
    );
  }, 60_000); // about a second alone; under the whole suite on two cores, ten times that
});
