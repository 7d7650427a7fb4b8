import type { VigilEvent } from "@vigil/events";
import { compileCondition, type Test } from "./conditions";
import { type Field, fieldByName, messageOnlyNames, type RuleEventType } from "./fields";
import { globToRegExp } from "./glob";
import type { Action, Conditions, Policy, Rule, Severity } from "./types";

/** What a policy decides for an event; `verdict` is what the event reports (the DESIGN's event JSON). */
export type Decision = {
  policy: { id: string; version: number; rule: string };
  action: Exclude<Action, "allow">;
  verdict: "denied" | "audit" | "allowed";
  severity: Severity;
  message: string;
};

type CompiledRule = { rule: Rule; applies: (e: VigilEvent) => boolean };

/** How a back-test narrows the events it judges; see PolicyMatcher.candidates. */
export type Candidates =
  | { by: "program"; test: (program: ProgramFacts) => boolean; exeGlobs: string[] | null }
  | { by: "file"; globs: string[] };

/** What a process runs: the part of an event that is the same for every run of one command line. */
export type ProgramFacts = Pick<VigilEvent["process"], "exe" | "filename" | "comm" | "argv" | "containerId">;
const programFields = new Set([
  "process.exe",
  "process.filename",
  "process.comm",
  "process.argv",
  "process.containerId",
]);

/**
 * A policy ready to judge events: the one matcher for every place a rule is evaluated in user space (agent alerts,
 * back-tests, the console's preview). For an event, an `allow` rule that applies wins (it is an exception); else the
 * first `deny` rule that applies, else the first `alert` rule, in the order written.
 */
export class PolicyMatcher {
  private readonly byType = new Map<RuleEventType, CompiledRule[]>();
  private readonly hostPatterns: RegExp[];

  constructor(
    readonly policy: Policy,
    private readonly identity: { id: string; version: number },
  ) {
    for (const rule of policy.rules) {
      const list = this.byType.get(rule.on) ?? [];
      list.push({ rule, applies: ruleTest(rule) });
      this.byType.set(rule.on, list);
    }
    this.hostPatterns = policy.selector.hosts.map(globToRegExp);
  }

  /** Whether the policy is meant for a host with this name and these labels. */
  selects(host: { name: string; labels: Record<string, string> }): boolean {
    for (const [key, value] of Object.entries(this.policy.selector.labels))
      if (host.labels[key] !== value) return false;
    return this.hostPatterns.length === 0 || this.hostPatterns.some((p) => p.test(host.name));
  }

  /**
   * How a back-test can narrow the events of `type` to those a deny or alert rule could match: by their program
   * (every such rule tests one; `exeGlobs` when every one tests process.exe), or by their file (every one tests
   * file.path); null when no single narrowing covers them all.
   */
  candidates(type: RuleEventType): Candidates | null {
    const deciding = (this.byType.get(type) ?? [])
      .map(({ rule }) => rule)
      .filter((r) => r.action !== "allow");
    if (deciding.every((r) => Object.keys(r.when).some((name) => programFields.has(name)))) {
      const tests = deciding.map((r) =>
        conditionsTest(
          Object.fromEntries(Object.entries(r.when).filter(([name]) => programFields.has(name))),
        ),
      );
      const exes = deciding.map((r) => r.when["process.exe"]);
      return {
        by: "program",
        // The fields tested read only event.process.
        test: (program) => tests.some((test) => test({ process: program } as VigilEvent)),
        exeGlobs: exes.every((c) => c?.kind === "glob")
          ? exes.flatMap((c) => (c?.kind === "glob" ? c.patterns : []))
          : null,
      };
    }
    const paths = deciding.map((r) => r.when["file.path"]);
    if (paths.every((c) => c?.kind === "glob"))
      return { by: "file", globs: paths.flatMap((c) => (c?.kind === "glob" ? c.patterns : [])) };
    return null;
  }

  decide(event: VigilEvent): Decision | null {
    const rules = this.byType.get(event.type as RuleEventType);
    if (!rules) return null;
    let deny: Rule | undefined;
    let alert: Rule | undefined;
    for (const { rule, applies } of rules) {
      if (!applies(event)) continue;
      if (rule.action === "allow") return null;
      if (rule.action === "deny") deny ??= rule;
      else alert ??= rule;
    }
    const rule = deny ?? alert;
    if (!rule) return null;
    const verdict = rule.action === "alert" ? "allowed" : this.policy.mode === "enforce" ? "denied" : "audit";
    return {
      policy: { ...this.identity, rule: rule.id },
      action: rule.action as Decision["action"],
      verdict,
      severity: rule.severity,
      message: renderMessage(rule, event),
    };
  }
}

function ruleTest(rule: Rule): (e: VigilEvent) => boolean {
  const when = conditionsTest(rule.when);
  const unlessEmpty = Object.keys(rule.unless).length === 0;
  const unless = conditionsTest(rule.unless);
  return (e) => when(e) && (unlessEmpty || !unless(e));
}

function conditionsTest(conditions: Conditions): (e: VigilEvent) => boolean {
  const tests: { read: Field["read"]; test: Test }[] = [];
  for (const [name, condition] of Object.entries(conditions)) {
    const field = fieldByName.get(name);
    const compiled = compileCondition(condition);
    if (!field || compiled.problem !== undefined)
      throw new Error(
        `${name}: ${compiled.problem ?? "unknown field"} (parse the policy with parsePolicy first)`,
      );
    tests.push({ read: field.read, test: compiled.test });
  }
  return (e) => tests.every(({ read, test }) => test(read(e)));
}

const DEFAULT_MESSAGE: Record<RuleEventType, string> = {
  exec: "{process.exe} started by {parent.exe}",
  unlink_running: "running executable {file.path} removed by {process.exe}",
  ptrace: "{process.exe} used {request} on {target.exe}",
  mem_write: "{process.exe} wrote into the memory of {target.exe} ({method})",
};

/** The rule's message with {field} replaced by the event's values (argv joined by spaces); text, never markup. */
function renderMessage(rule: Rule, event: VigilEvent): string {
  const template = rule.message ?? `${rule.id}: ${DEFAULT_MESSAGE[rule.on]}`;
  return template.replace(/\{([^{}]*)\}/g, (whole, name: string) => {
    const value = fieldByName.get(name)?.read(event) ?? messageOnlyNames[name]?.read(event);
    if (value === undefined || value === null) return whole;
    return Array.isArray(value) ? value.join(" ") : String(value);
  });
}
