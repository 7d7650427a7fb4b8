import { type EventStore, hosts, type Narrowing, type Store } from "@vigil/db";
import type { VigilEvent } from "@vigil/events";
import {
  type Action,
  globToRegExp,
  PolicyMatcher,
  type RuleEventType,
  ruleEventTypes,
  type Severity,
  sqlGlob,
} from "@vigil/policy";
import { parsedOrThrow } from "./policies";

const SLICES = 20;
const EXAMPLES = 5;

export type BacktestRule = {
  rule: string;
  action: Exclude<Action, "allow">;
  severity: Severity;
  /** How many events the rule decided, and on which hosts. */
  count: number;
  hosts: { name: string; count: number }[];
  /** The newest of them (at most five), with the message the rule would give. */
  examples: { event: VigilEvent; message: string }[];
};

export type BacktestResult = {
  mode: "audit" | "enforce";
  sinceMs: number;
  untilMs: number;
  /** Hosts the policy's selector picks, of all hosts. */
  hosts: { selected: number; total: number };
  /** Events judged (the types the rules are about, narrowed to the programs their `when` allows). */
  examined: number;
  rules: BacktestRule[];
};

export type BacktestProgress = { step: string; done: number; total: number };

/**
 * What a draft policy would have done over stored events in [sinceMs, untilMs), per rule and host, judged by the
 * same matcher the agent uses. Events that look the same to every rule are judged once (see EventStore.groups); the work
 * is done in slices of time, reported through onProgress, letting ingest run in between.
 */
export async function backtest(
  store: Store,
  events: EventStore,
  input: { yaml: string; sinceMs: number; untilMs: number },
  onProgress: (progress: BacktestProgress) => void = () => {},
  signal?: AbortSignal,
): Promise<BacktestResult> {
  const policy = parsedOrThrow(input.yaml);
  const matcher = new PolicyMatcher(policy, { id: policy.name, version: 0 });
  const pause = async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted(); // the analyst closed the page: stop working for no one
  };
  const allHosts = store.db
    .select({ machineId: hosts.machineId, name: hosts.name, labels: hosts.labels })
    .from(hosts)
    .all();
  const selected = allHosts.filter((h) => matcher.selects(h));
  const hostName = new Map(selected.map((h) => [h.machineId, h.name]));
  const types = ruleEventTypes.filter((type) =>
    policy.rules.some((r) => r.on === type && r.action !== "allow"),
  );
  const byRule = new Map<string, BacktestRule>();
  let examined = 0;

  for (const [index, type] of types.entries()) {
    const step = `${type} events`;
    const onSlice = (done: number) =>
      onProgress({ step, done: index * SLICES + done, total: types.length * SLICES });
    if (selected.length === 0) {
      onSlice(SLICES); // nothing could match
      continue;
    }
    const groups = await events.groups(
      {
        type,
        sinceNs: BigInt(input.sinceMs) * 1_000_000n,
        untilNs: BigInt(input.untilMs) * 1_000_000n,
        hosts: selected.length < allHosts.length ? selected.map((h) => h.machineId) : undefined,
        // The rare security types are found fastest by their type; exec events by their programs or files.
        narrowing: type === "exec" ? narrowing(matcher, type) : undefined,
      },
      { slices: SLICES, pause, onSlice },
    );
    // Newest first, so each rule's first examples are its newest events.
    groups.sort((a, b) => (a.example.time < b.example.time ? 1 : a.example.time > b.example.time ? -1 : 0));
    for (const group of groups) {
      examined += group.count;
      const decision = matcher.decide(group.example);
      if (!decision) continue;
      const result = byRule.get(decision.policy.rule) ?? {
        rule: decision.policy.rule,
        action: decision.action,
        severity: decision.severity,
        count: 0,
        hosts: [],
        examples: [],
      };
      byRule.set(result.rule, result);
      result.count += group.count;
      const name = hostName.get(group.host) ?? group.host;
      const host = result.hosts.find((h) => h.name === name);
      if (host) host.count += group.count;
      else result.hosts.push({ name, count: group.count });
      if (result.examples.length < EXAMPLES) {
        result.examples.push({ event: group.example, message: decision.message });
      }
    }
    await pause();
  }
  const rules = policy.rules.flatMap((r) => byRule.get(r.id) ?? []);
  for (const rule of rules) rule.hosts.sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  return {
    mode: policy.mode,
    sinceMs: input.sinceMs,
    untilMs: input.untilMs,
    hosts: { selected: selected.length, total: allHosts.length },
    examined,
    rules,
  };
}

/** The programs or files the deciding rules on `type` could match, as the event stores' first cut. */
function narrowing(matcher: PolicyMatcher, type: RuleEventType): Narrowing | undefined {
  const candidates = matcher.candidates(type);
  if (!candidates) return undefined;
  if (candidates.by === "file") {
    const patterns = candidates.globs.map(globToRegExp);
    return {
      by: "file",
      globs: candidates.globs.map(sqlGlob),
      test: (path) => patterns.some((p) => p.test(path)),
    };
  }
  return { by: "program", exeGlobs: candidates.exeGlobs?.map(sqlGlob) ?? null, test: candidates.test };
}
