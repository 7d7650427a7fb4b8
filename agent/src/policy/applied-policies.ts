import { statSync } from "node:fs";
import type { EventType, VigilEvent } from "@vigil/events";
import {
  compileKernelPlan,
  type Decision,
  type HostFacts,
  type KernelPlan,
  type Policy,
  type PolicyBundle,
  PolicyMatcher,
  parsePolicy,
  planCommands,
  type RuleEventType,
} from "@vigil/policy";
import { bundleHash } from "@vigil/policy/bundle";
import type { KernelDecision } from "../decode/records";
import { ExpandError, expandExecutables } from "./expand";

/** The LSM sensor, when this host has one: takes a policy generation and answers with null or why it failed. */
export type Kernel = {
  available: () => boolean;
  apply: (lines: string[], generation: number) => Promise<string | null>;
};

type Parsed = { policy: Policy; id: string; version: number }[];

/**
 * The policies this host applies, all of one bundle or (when one of its policies does not parse, or the kernel
 * refuses it) all of the previous one. Where the sensor runs in LSM mode, their deny and allow rules are compiled
 * to a kernel generation first, and the bundle counts as applied once the sensor has switched to it. Each event a
 * rule decides carries the policy, version and rule, and its verdict: the kernel's where it decided.
 */
export class AppliedPolicies {
  private matchers: PolicyMatcher[] = [];
  /** The event types some rule is about: others are not parsed to be judged. */
  private judgedTypes = new Set<string>();
  private parsed: Parsed = [];
  hash: string | null = null;
  applied: { name: string; version: number }[] = [];
  /** Why the newest bundle (or the newest re-resolution of its files) was not applied, if it was not. */
  error: string | null = null;
  /** The kernel generations whose decisions events may still carry: the one in force and the one before. */
  private generations = new Map<number, KernelPlan>();
  private generation = 0;
  private commandsInForce = "";
  private changing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kernel: Kernel | null = null,
    private readonly host: HostFacts = { name: "" },
    private readonly expand: (pattern: string) => string[] = expandExecutables,
  ) {}

  /** The policies in force are in the kernel: enforce-mode denies are denied there. */
  get enforcing(): boolean {
    return this.generation > 0 && this.kernel !== null && this.kernel.available();
  }

  /** One change at a time: a refresh must not interleave its generation with a new bundle's. */
  private serially(change: () => Promise<void>): Promise<void> {
    const next = this.changing.then(change);
    this.changing = next.catch(() => {});
    return next;
  }

  apply(bundle: PolicyBundle): Promise<void> {
    return this.serially(() => this.applyNow(bundle));
  }

  /** Compiles the policies in force again: files named by their patterns come and go. */
  refresh(): Promise<void> {
    return this.serially(async () => {
      if (this.hash === null) return;
      const refused = await this.enforce(this.parsed);
      this.error = refused && `the policies in force could not be updated for this host's files: ${refused}`;
    });
  }

  /** A sensor started again holds no policies: it is handed the ones in force. */
  sensorRestarted(): Promise<void> {
    const forget = this.serially(async () => {
      this.commandsInForce = "";
    });
    return forget.then(() => this.refresh());
  }

  private async applyNow(bundle: PolicyBundle): Promise<void> {
    if (bundleHash(bundle.policies) !== bundle.hash) {
      this.error = `the bundle ${bundle.hash} does not hash to its policies (damaged on the way?): not applied`;
      return;
    }
    const parsed: Parsed = [];
    for (const p of bundle.policies) {
      const result = parsePolicy(p.yaml);
      if (!result.ok) {
        const first = result.errors[0];
        this.error = `${p.name} version ${p.version}: line ${first?.line}: ${first?.message}`;
        return;
      }
      parsed.push({ policy: result.policy, id: p.name, version: p.version });
    }
    const refused = await this.enforce(parsed);
    if (refused) {
      this.error = refused;
      return;
    }
    this.parsed = parsed;
    this.matchers = parsed.map((p) => new PolicyMatcher(p.policy, { id: p.id, version: p.version }));
    this.judgedTypes = new Set(parsed.flatMap((p) => p.policy.rules.map((r) => r.on)));
    this.hash = bundle.hash;
    this.applied = bundle.policies.map(({ name, version }) => ({ name, version }));
    this.error = null;
  }

  /** Hands the sensor a generation for these policies unless it has it already; null, or why it could not. */
  private async enforce(parsed: Parsed): Promise<string | null> {
    if (!this.kernel?.available()) return null;
    let compiled: ReturnType<typeof compileKernelPlan>;
    try {
      compiled = compileKernelPlan(parsed, this.host, this.expand);
    } catch (error) {
      if (error instanceof ExpandError) return error.message;
      throw error;
    }
    if (!compiled.ok) return compiled.error;
    const generation = this.generation + 1;
    const lines = planCommands(compiled.plan, generation);
    // Without `begin N`: the plan itself, and which files its paths are now (the sensor keys them by device and
    // inode: a binary replaced by a package upgrade has the same path and must be sent again).
    const commands = [
      ...lines.slice(1),
      ...compiled.plan.values.map((v) => v.path && fileIdentity(v.path)),
    ].join("\n");
    if (this.generation > 0 && commands === this.commandsInForce) return null;
    const refused = await this.kernel.apply(lines, generation);
    if (refused) return `the sensor did not apply the policies: ${refused}`;
    this.generations.set(generation, compiled.plan);
    this.generations.delete(generation - 2);
    this.generation = generation;
    this.commandsInForce = commands;
    return null;
  }

  /** The event's line, with the deciding policy and verdict when a rule decides it. */
  judge(type: EventType, line: Buffer, kernelDecision: KernelDecision = null): Buffer {
    if (!kernelDecision && !this.judgedTypes.has(type)) return line;
    const event = JSON.parse(line.toString("utf8")) as VigilEvent;
    if (kernelDecision) {
      const rule = this.generations
        .get(kernelDecision.generation)
        ?.rules.find((r) => r.on === (type as RuleEventType) && r.slot === kernelDecision.rule);
      event.verdict = kernelDecision.verdict;
      event.policy = rule?.policy ?? null;
      return Buffer.from(JSON.stringify(event));
    }
    let decision: Decision | null = null;
    for (const matcher of this.matchers) {
      const d = matcher.decide(event);
      if (d && (!decision || (d.action === "deny" && decision.action !== "deny"))) decision = d;
    }
    if (!decision) return line;
    // The kernel did not decide (tracepoint mode, or it judged the files differently): a deny did not happen.
    event.verdict = decision.action === "deny" ? "audit" : "allowed";
    event.policy = decision.policy;
    return Buffer.from(JSON.stringify(event));
  }
}

function fileIdentity(path: string): string {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? `${stat.dev}:${stat.ino}` : "-";
}
