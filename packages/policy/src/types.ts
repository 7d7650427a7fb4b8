import type { RuleEventType } from "./fields";

export const actions = ["deny", "alert", "allow"] as const;
export const severities = ["info", "low", "medium", "high", "critical"] as const;
export const modes = ["audit", "enforce"] as const;

/** The settings of a policy, its selector, a rule, and an argv condition: what the parser accepts. */
export const policyKeys = ["apiVersion", "kind", "name", "description", "mode", "selector", "rules"] as const;
export const selectorKeys = ["labels", "hosts"] as const;
export const ruleKeys = [
  "id",
  "on",
  "action",
  "severity",
  "description",
  "when",
  "unless",
  "message",
] as const;
export const argvKeys = ["contains", "regex"] as const;

export type Action = (typeof actions)[number];
export type Severity = (typeof severities)[number];
export type Mode = (typeof modes)[number];

/** What one field must be for a rule to match; see FieldKind. */
export type Condition =
  | { kind: "glob"; patterns: string[] }
  | { kind: "argv"; contains: string[] }
  | { kind: "argv"; regex: string }
  | { kind: "id"; ids: string[] }
  | { kind: "choice"; values: string[] };

/** Field name -> condition; all must hold. */
export type Conditions = Record<string, Condition>;

export type Rule = {
  id: string;
  on: RuleEventType;
  action: Action;
  severity: Severity;
  description?: string;
  /** The rule applies to an event of its type when every `when` condition holds... */
  when: Conditions;
  /** ...and not every `unless` condition holds (an empty `unless` never excuses). */
  unless: Conditions;
  message?: string;
};

export type Policy = {
  apiVersion: "vigil/v1";
  kind: "Policy";
  name: string;
  description?: string;
  mode: Mode;
  /** Which hosts: all of `labels` and, when given, a name matching one of `hosts`. Empty: every host. */
  selector: { labels: Record<string, string>; hosts: string[] };
  rules: Rule[];
};

/** A problem in a policy's text: where (1-based), which setting, what is wrong, and what would fix it. */
export type PolicyError = {
  line: number;
  column: number;
  path: string;
  message: string;
  suggestion?: string;
};

export type ParseResult = { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] };

/** What the server hands an agent: the versions in force of the policies for its host, and their digest. */
export type PolicyBundle = { hash: string; policies: { name: string; version: number; yaml: string }[] };
