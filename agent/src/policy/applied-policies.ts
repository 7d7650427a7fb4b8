import type { EventType, VigilEvent } from "@vigil/events";
import { type Decision, type PolicyBundle, PolicyMatcher, parsePolicy, ruleEventTypes } from "@vigil/policy";

const judged = new Set<string>(ruleEventTypes);

/**
 * The policies this host applies, all of one bundle or (when one of its policies does not parse or compile here)
 * all of the previous one. Each event a rule decides carries the policy, version and rule, and its verdict.
 */
export class AppliedPolicies {
  private matchers: PolicyMatcher[] = [];
  hash: string | null = null;
  applied: { name: string; version: number }[] = [];
  /** Why the newest bundle was not applied, if it was not. */
  error: string | null = null;

  apply(bundle: PolicyBundle): void {
    const matchers: PolicyMatcher[] = [];
    for (const p of bundle.policies) {
      const parsed = parsePolicy(p.yaml);
      if (!parsed.ok) {
        const first = parsed.errors[0];
        this.error = `${p.name} version ${p.version}: line ${first?.line}: ${first?.message}`;
        return;
      }
      matchers.push(new PolicyMatcher(parsed.policy, { id: p.name, version: p.version }));
    }
    this.matchers = matchers;
    this.hash = bundle.hash;
    this.applied = bundle.policies.map(({ name, version }) => ({ name, version }));
    this.error = null;
  }

  /** The event's line, with the deciding policy and verdict when a rule decides it. */
  judge(type: EventType, line: Buffer): Buffer {
    if (this.matchers.length === 0 || !judged.has(type)) return line;
    const event = JSON.parse(line.toString("utf8")) as VigilEvent;
    let decision: Decision | null = null;
    for (const matcher of this.matchers) {
      const d = matcher.decide(event);
      if (d && (!decision || (d.action === "deny" && decision.action !== "deny"))) decision = d;
    }
    if (!decision) return line;
    // The sensor does not enforce yet, in either mode: a deny is reported as what it would have done.
    event.verdict = decision.action === "deny" ? "audit" : "allowed";
    event.policy = decision.policy;
    return Buffer.from(JSON.stringify(event));
  }
}
