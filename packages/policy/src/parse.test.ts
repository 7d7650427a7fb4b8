import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePolicy } from "./parse";
import { readTemplates } from "./templates";
import type { PolicyError } from "./types";

const templates = join(import.meta.dirname, "..", "templates");

function errorsOf(text: string): PolicyError[] {
  const result = parsePolicy(text);
  if (result.ok) throw new Error("expected the policy to be refused");
  return result.errors;
}

const policy = (rules: string, head = "mode: enforce") =>
  `apiVersion: vigil/v1\nkind: Policy\nname: test-policy\n${head}\nrules:\n${rules}`;

describe("parsePolicy", () => {
  it.each(readTemplates(templates).map((t) => [t.file, t] as const))(
    "accepts the shipped template %s",
    (file, t) => {
      const result = parsePolicy(t.yaml);
      expect(result.ok ? [] : result.errors).toEqual([]);
      expect(result.ok && result.policy.name).toBe(file); // a template's file is named after its policy
      expect(t.description).not.toBe("");
    },
  );

  it("reads a policy into its rules, with defaults", () => {
    const result = parsePolicy(
      policy(
        [
          "  - id: no-delete",
          "    on: unlink_running",
          "    action: deny",
          "    severity: high",
          "    when: { file.path: /usr/bin/* }",
          "    unless: { process.exe: [/usr/bin/dpkg], process.uid: 0 }",
          "  - id: exceptions",
          "    on: exec",
          "    action: allow",
        ].join("\n"),
        "selector: { labels: { env: prod }, hosts: [web-*] }",
      ),
    );
    expect(result).toEqual({
      ok: true,
      policy: {
        apiVersion: "vigil/v1",
        kind: "Policy",
        name: "test-policy",
        mode: "audit",
        selector: { labels: { env: "prod" }, hosts: ["web-*"] },
        rules: [
          {
            id: "no-delete",
            on: "unlink_running",
            action: "deny",
            severity: "high",
            when: { "file.path": { kind: "glob", patterns: ["/usr/bin/*"] } },
            unless: {
              "process.exe": { kind: "glob", patterns: ["/usr/bin/dpkg"] },
              "process.uid": { kind: "id", ids: ["0"] },
            },
          },
          { id: "exceptions", on: "exec", action: "allow", severity: "info", when: {}, unless: {} },
        ],
      },
    });
  });

  it("says where a YAML syntax error is", () => {
    const [error, ...rest] = errorsOf("apiVersion: vigil/v1\nkind: Policy\nrules:\n  - id: [unclosed\n");
    expect(rest).toEqual([]);
    expect(error?.message).toMatch(/^not valid YAML: /);
    expect(error?.line).toBeGreaterThanOrEqual(4);
  });

  it("names an unknown setting with its line and column, and the setting meant", () => {
    const errors = errorsOf(policy("  - id: r1\n    on: exec\n    action: alert\n    severty: high\n"));
    expect(errors).toEqual(
      [
        {
          line: 9,
          column: 5,
          path: "rules[0].severty",
          message: 'unknown setting "severty"',
          suggestion: 'did you mean "severity"?',
        },
        {
          line: 6, // the rule that lacks it
          column: 5,
          path: "rules[0].severity",
          message: "missing `severity`: one of info, low, medium, high, critical",
        },
      ].sort((a, b) => a.line - b.line),
    );
  });

  it("offers the closest value for a misspelt choice", () => {
    const errors = errorsOf(
      policy("  - id: r1\n    on: unlink_runing\n    action: alert\n    severity: high\n"),
    );
    expect(errors).toEqual([
      {
        line: 7,
        column: 9,
        path: "rules[0].on",
        message: '"unlink_runing" is not one of exec, unlink_running, ptrace, mem_write',
        suggestion: 'did you mean "unlink_running"?',
      },
    ]);
  });

  it("refuses a deny the kernel cannot decide, and offers alert", () => {
    const errors = errorsOf(
      policy(
        "  - id: r1\n    on: exec\n    action: deny\n    severity: high\n    when:\n      process.argv: { contains: [--evil] }\n",
      ),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 11, column: 7, path: "rules[0].when.process.argv" });
    expect(errors[0]?.message).toBe(
      "action deny cannot be enforced on exec: the kernel does not see process.argv there, so it could not decide",
    );
    expect(errors[0]?.suggestion).toMatch(
      /^use `action: alert` for this rule, or match on fields the kernel sees: /,
    );
    // The same rule as an alert is fine.
    const alert = policy(
      "  - id: r1\n    on: exec\n    action: alert\n    severity: high\n    when:\n      process.argv: { contains: [--evil] }\n",
    );
    expect(parsePolicy(alert).ok).toBe(true);
  });

  it("reports every problem at once: unknown fields, fields the type lacks, bad regex, ids, placeholders", () => {
    const errors = errorsOf(
      policy(
        [
          "  - id: Bad_Id",
          "    on: exec",
          "    action: alert",
          "    severity: high",
          "  - id: r2",
          "    on: exec",
          "    action: alert",
          "    severity: low",
          "    when:",
          "      process.exee: /bin/sh",
          "      target.exe: /usr/sbin/sshd",
          "      process.argv: { regex: '(unclosed' }",
          "      process.uid: root",
          "      request: PTRACE_ATACH",
          "    message: 'ran {process.exe} from {parent.exee}'",
          "  - id: r2",
          "    on: ptrace",
          "    action: alert",
          "    severity: low",
          "    when: { request: PTRACE_ATACH }",
        ].join("\n"),
      ),
    );
    expect(errors.map((e) => [e.line, e.path, e.message, e.suggestion])).toEqual([
      [
        6,
        "rules[0].id",
        "\"Bad_Id\" is not a valid id: 1-63 lower-case letters, digits or '-', not starting or ending with '-'",
        undefined,
      ],
      [15, "rules[1].when.process.exee", 'unknown field "process.exee"', 'did you mean "process.exe"?'],
      [
        16,
        "rules[1].when.target.exe",
        "exec events have no target.exe (only ptrace, mem_write do)",
        undefined,
      ],
      [17, "rules[1].when.process.argv.regex", expect.stringMatching(/^not a valid regex: /), undefined],
      [18, "rules[1].when.process.uid", '"root" is not a numeric id', undefined],
      [19, "rules[1].when.request", "exec events have no request (only ptrace do)", undefined],
      [
        20,
        "rules[1].message",
        "the message names {parent.exee}, which exec events do not have",
        'did you mean "parent.exe"?',
      ],
      [21, "rules[2].id", 'rule id "r2" is used twice', undefined],
      [
        25,
        "rules[2].when.request",
        expect.stringMatching(/^"PTRACE_ATACH" is not one of PTRACE_ATTACH, PTRACE_SEIZE, /),
        'did you mean "PTRACE_ATTACH"?',
      ],
    ]);
  });

  it("says that aliases are not supported, where each one is", () => {
    const result = parsePolicy(`apiVersion: vigil/v1
kind: Policy
name: aliases
rules:
  - id: r
    on: exec
    action: alert
    severity: low
    when: { process.exe: &shells [/bin/sh, /bin/bash] }
    unless: { process.filename: *shells }
`);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          line: 10,
          column: 33,
          path: "",
          message: "YAML aliases (*shells) are not supported in a policy: write the value out",
        },
      ],
    });
  });

  it("keeps a label named __proto__ as a label", () => {
    const result = parsePolicy(`apiVersion: vigil/v1
kind: Policy
name: proto
selector: { labels: { __proto__: x } }
rules:
  - { id: r, on: exec, action: alert, severity: low, when: { process.exe: [/bin/sh] } }
`);
    expect(result.ok && Object.entries(result.policy.selector.labels)).toEqual([["__proto__", "x"]]);
  });

  it("names a number where a name belongs (YAML numbers are read as BigInt)", () => {
    const result = parsePolicy(`apiVersion: vigil/v1
kind: Policy
name: numbers
rules:
  - id: 7
    on: exec
    action: alert
    severity: low
    when: { process.exe: [/bin/sh] }
`);
    expect(result).toEqual({
      ok: false,
      errors: [
        expect.objectContaining({
          line: 5,
          path: "rules[0].id",
          message: expect.stringMatching(/^7 is not a valid id/),
        }),
      ],
    });
  });

  it("requires the header and at least one rule", () => {
    const errors = errorsOf("kind: Polcy\nname: -x\n");
    expect(errors.map((e) => [e.path, e.message])).toEqual([
      ["apiVersion", "missing `apiVersion`: one of vigil/v1"],
      ["rules", "missing `rules`: a policy has at least one rule"],
      ["kind", '"Polcy" is not one of Policy'],
      [
        "name",
        "\"-x\" is not a valid name: 1-63 lower-case letters, digits or '-', not starting or ending with '-'",
      ],
    ]);
  });

  it("refuses text that is not a policy, and a policy too large", () => {
    expect(errorsOf("just text")[0]?.message).toMatch(/^a policy is a mapping/);
    expect(errorsOf(`# ${"x".repeat(300_000)}`)[0]?.message).toMatch(/larger than/);
  });
});
