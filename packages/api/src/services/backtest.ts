import { eventGroups, eventsBySeq, filesMatching, hosts, programFacts, type Store } from "@vigil/db";
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

/** Above this many programs or files the rules allow, scanning the type's events beats looking each one up. */
const MAX_LOOKUPS = 20_000;
const PROGRAM_PAGE = 20_000;
const SLICES = 20;
const EXAMPLES = 5;
const EXAMPLE_BATCH = 400;

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
 * same matcher the agent uses. Events that look the same to every rule are judged once (see eventGroups); the work
 * is done in slices of time, reported through onProgress, letting ingest run in between.
 */
export async function backtest(
  store: Store,
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
    .select({ id: hosts.id, name: hosts.name, labels: hosts.labels })
    .from(hosts)
    .all();
  const selected = allHosts.filter((h) => matcher.selects(h));
  const hostName = new Map(selected.map((h) => [h.id, h.name]));
  const types = ruleEventTypes.filter((type) =>
    policy.rules.some((r) => r.on === type && r.action !== "allow"),
  );
  const byRule = new Map<string, BacktestRule>();
  let examined = 0;

  for (const [index, type] of types.entries()) {
    // The rare security types are found fastest by their type; exec events by their programs or files first.
    const narrowed = type === "exec" ? await candidateIds(store, matcher, type, pause) : undefined;
    const step = `${type} events`;
    const skip = selected.length === 0 || narrowed?.ids.length === 0; // nothing could match
    if (skip) onProgress({ step, done: (index + 1) * SLICES, total: types.length * SLICES });
    const groups = skip
      ? []
      : await eventGroups(
          store.sqlite,
          {
            type,
            sinceNs: BigInt(input.sinceMs) * 1_000_000n,
            untilNs: BigInt(input.untilMs) * 1_000_000n,
            programIds: narrowed?.by === "program" ? narrowed.ids : undefined,
            fileIds: narrowed?.by === "file" ? narrowed.ids : undefined,
            hostIds: selected.length < allHosts.length ? selected.map((h) => h.id) : undefined,
          },
          {
            slices: SLICES,
            pause,
            onSlice: (done) =>
              onProgress({ step, done: index * SLICES + done, total: types.length * SLICES }),
          },
        );
    // Newest first, so each rule's first examples are its newest events.
    groups.sort((a, b) => (a.example < b.example ? 1 : -1));
    for (let at = 0; at < groups.length; at += EXAMPLE_BATCH) {
      const batch = groups.slice(at, at + EXAMPLE_BATCH);
      const events = new Map(
        eventsBySeq(
          store.sqlite,
          batch.map((g) => g.example),
        ).map((e) => [e.seq, e.event]),
      );
      for (const group of batch) {
        const event = events.get(group.example);
        if (!event) continue; // deleted by retention meanwhile
        examined += group.count;
        const decision = matcher.decide(event);
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
        const name = hostName.get(group.hostId) ?? `host ${group.hostId}`;
        const host = result.hosts.find((h) => h.name === name);
        if (host) host.count += group.count;
        else result.hosts.push({ name, count: group.count });
        if (result.examples.length < EXAMPLES) result.examples.push({ event, message: decision.message });
      }
      await pause();
    }
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

/**
 * The programs or files a deciding rule on `type` could match, looked up before the events; undefined when the
 * rules do not narrow the events that way, or narrow them too little for the look-ups to pay.
 */
async function candidateIds(
  store: Store,
  matcher: PolicyMatcher,
  type: RuleEventType,
  pause: () => Promise<void>,
): Promise<{ by: "program" | "file"; ids: number[] } | undefined> {
  const candidates = matcher.candidates(type);
  if (!candidates) return undefined;
  if (candidates.by === "file") {
    const patterns = candidates.globs.map(globToRegExp);
    const ids = filesMatching(store.sqlite, candidates.globs.map(sqlGlob))
      .filter((f) => patterns.some((p) => p.test(f.path)))
      .map((f) => f.id);
    return ids.length > MAX_LOOKUPS ? undefined : { by: "file", ids };
  }
  const exeGlobs = candidates.exeGlobs?.map(sqlGlob);
  const ids: number[] = [];
  for (
    let page = programFacts(store.sqlite, { afterId: 0, limit: PROGRAM_PAGE, exeGlobs });
    page.length > 0;
  ) {
    for (const program of page) if (candidates.test(program)) ids.push(program.id);
    if (ids.length > MAX_LOOKUPS) return undefined;
    await pause();
    page = programFacts(store.sqlite, { afterId: page.at(-1)?.id ?? 0, limit: PROGRAM_PAGE, exeGlobs });
  }
  return { by: "program", ids };
}
