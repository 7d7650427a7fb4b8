import type { RuleEventType } from "./fields";
import { globToRegExp } from "./glob";
import type { Condition, Conditions, Policy, Rule } from "./types";

/** The fields the BPF LSM sensor decides on; a field's index is its code in the sensor. */
export const kernelFields = ["exe", "file", "target", "uid", "euid", "cgroup", "self"] as const;
export type KernelField = (typeof kernelFields)[number];

/** The sensor's code for each event type a rule can be about. */
export const kernelTypeCodes: Record<RuleEventType, number> = {
  exec: 1,
  unlink_running: 4,
  ptrace: 5,
  mem_write: 6,
};

/** A deny or allow rule as the sensor holds it. */
export type KernelRule = {
  /** 0..63, per event type: bundle order, then rule order. */
  slot: number;
  on: RuleEventType;
  action: "deny" | "allow";
  /** The policy's mode is enforce. */
  enforce: boolean;
  /** The index of the policy in the list compiled. */
  policyIndex: number;
  policy: { id: string; version: number; rule: string };
  /** The fields the rule's `when` tests (distinct). */
  when: KernelField[];
  /** The fields its `unless` tests (distinct; empty: it never excuses). */
  unless: KernelField[];
};

/** A value a field may have, and the rules (bit i: slot i) whose `when` or `unless` lists it for that field. */
export type KernelValue = {
  on: RuleEventType;
  side: "when" | "unless";
  field: KernelField;
  slots: bigint;
  path?: string;
  /** exec's file: every path that starts with it (a `dir/**` pattern); the longest listed prefix decides. */
  prefix?: string;
  id?: number;
};

export type KernelPlan = { rules: KernelRule[]; values: KernelValue[] };

/** What the sensor knows of an event when it decides; `self`: the process acts on itself. */
export type KernelFacts = Partial<Record<"exe" | "file" | "target", string>> & {
  uid?: number;
  euid?: number;
  cgroup?: number;
  self?: boolean;
};

export const MAX_KERNEL_RULES = 64;
export const MAX_KERNEL_POLICIES = 64;

const idFields = {
  "process.uid": "uid",
  "process.user": "uid", // names are looked up on the host: see compileKernelPlan's `host.uidsOf`
  "process.euid": "euid",
  "process.cgroupId": "cgroup",
} as const;
const actorAndTarget = {
  "process.exe": "exe",
  "target.exe": "target",
  "target.self": "self",
  ...idFields,
} as const;

/** Policy field -> kernel field, for the fields the kernel can evaluate on each type (host.name aside). */
const kernelFieldOf: Record<RuleEventType, Record<string, KernelField>> = {
  // At exec the acting process is the program being started, so all three name the file executed.
  exec: { "process.exe": "file", "process.filename": "file", "file.path": "file", ...idFields },
  unlink_running: { "process.exe": "exe", "file.path": "file", ...idFields },
  ptrace: actorAndTarget,
  mem_write: actorAndTarget,
};

const pathFields: readonly KernelField[] = ["exe", "file", "target"];

// A uid is 32 bits: a larger id in a rule can never match, so it is left out rather than truncated by the sensor.
const MAX_UID = 2 ** 32 - 1;

/** What is fixed per host: its name, and the uids its user names have (names matching a glob). */
export type HostFacts = { name: string; uidsOf?: (pattern: string) => number[] };

/**
 * The deny and allow rules of the policies for a host, as the BPF LSM sensor decides them: fields mapped to what
 * the kernel sees, globs expanded to the paths they name on the host (`expand`), and host.name decided here.
 */
export function compileKernelPlan(
  policies: { policy: Policy; id: string; version: number }[],
  host: HostFacts,
  expand: (pattern: string) => string[],
): { ok: true; plan: KernelPlan } | { ok: false; error: string } {
  const rules: KernelRule[] = [];
  const values = new Map<string, KernelValue>();
  const slots = new Map<RuleEventType, number>();
  for (const [policyIndex, { policy, id, version }] of policies.entries()) {
    // An allow only excuses within its policy, so it matters to the kernel only where the policy denies.
    const denies = new Set(policy.rules.filter((r) => r.action === "deny").map((r) => r.on));
    for (const rule of policy.rules) {
      if (rule.action === "alert" || !denies.has(rule.on)) continue;
      const where = `policy ${quoted(policy.name)} rule ${quoted(rule.id)}`;
      const problem = notKernel(rule);
      if (problem) return { ok: false, error: `${where}: ${problem}` };
      const when = compileSide(rule.when, rule.on, host, expand);
      const unless = compileSide(rule.unless, rule.on, host, expand);
      if (typeof when === "string") return { ok: false, error: `${where}: ${when}` };
      if (typeof unless === "string") return { ok: false, error: `${where}: ${unless}` };
      if (when.host === false) continue;
      // An unless holds when all its conditions do: never with a false host.name, always with only a true one.
      if (unless.host === true && unless.fields.size === 0) continue;
      const unlessFields = unless.host === false ? new Map<KernelField, Set<string>>() : unless.fields;

      const slot = slots.get(rule.on) ?? 0;
      if (slot === MAX_KERNEL_RULES)
        return {
          ok: false,
          error:
            `the policies for this host have more than ${MAX_KERNEL_RULES} deny and allow rules on ${rule.on}, ` +
            `which is all the kernel sensor holds per event type: make some of them alert rules, or merge rules`,
        };
      // The sensor keeps each policy's slots at its index, so the index must fit as well.
      if (policyIndex >= MAX_KERNEL_POLICIES)
        return {
          ok: false,
          error:
            `policy ${quoted(policy.name)} is number ${policyIndex + 1} of the policies for this host, and the ` +
            `kernel sensor tells only the first ${MAX_KERNEL_POLICIES} apart: make its deny rules alert rules, ` +
            `or select fewer policies for this host`,
        };
      slots.set(rule.on, slot + 1);
      rules.push({
        slot,
        on: rule.on,
        action: rule.action,
        enforce: policy.mode === "enforce",
        policyIndex,
        policy: { id, version, rule: rule.id },
        when: [...when.fields.keys()],
        unless: [...unlessFields.keys()],
      });
      for (const [side, fields] of [
        ["when", when.fields],
        ["unless", unlessFields],
      ] as const) {
        for (const [field, keys] of fields) {
          for (const key of keys) {
            const entry = `${rule.on}\0${side}\0${field}\0${key}`;
            const value =
              values.get(entry) ??
              (key.startsWith(PREFIX)
                ? { on: rule.on, side, field, slots: 0n, prefix: key.slice(1) }
                : pathFields.includes(field)
                  ? { on: rule.on, side, field, slots: 0n, path: key }
                  : { on: rule.on, side, field, slots: 0n, id: Number(key) });
            value.slots |= 1n << BigInt(slot);
            values.set(entry, value);
          }
        }
      }
    }
  }
  return { ok: true, plan: { rules, values: nestPrefixes([...values.values()]) } };
}

/** The kernel finds only the longest listed prefix of a path: it must carry the slots of the shorter ones too. */
function nestPrefixes(values: KernelValue[]): KernelValue[] {
  const prefixes = values.filter((v) => v.prefix !== undefined);
  const slots = new Map(prefixes.map((v) => [v, v.slots]));
  for (const longer of prefixes)
    for (const shorter of prefixes)
      if (
        shorter !== longer &&
        shorter.on === longer.on &&
        shorter.side === longer.side &&
        longer.prefix?.startsWith(shorter.prefix as string)
      )
        slots.set(longer, (slots.get(longer) as bigint) | shorter.slots);
  return values.map((v) => (slots.has(v) ? { ...v, slots: slots.get(v) as bigint } : v));
}

/** Why the kernel could not decide the rule, if it could not. */
function notKernel(rule: Rule): string | undefined {
  const name = [...Object.keys(rule.when), ...Object.keys(rule.unless)].find(
    (n) => n !== "host.name" && !Object.hasOwn(kernelFieldOf[rule.on], n),
  );
  if (name === undefined) return undefined;
  const usable = [...Object.keys(kernelFieldOf[rule.on]), "host.name"].join(", ");
  return rule.action === "deny"
    ? `deny on ${rule.on} tests ${name}, which the kernel cannot evaluate on ${rule.on}: ` +
        `make it an alert rule, or match on fields the kernel sees: ${usable}`
    : `allow on ${rule.on} tests ${name}, which the kernel cannot evaluate on ${rule.on}; ` +
        `the kernel enforces the policy's deny rules on ${rule.on}, so it must decide their exceptions too: ` +
        `match on fields the kernel sees (${usable}), or make the policy's deny rules on ${rule.on} alert rules`;
}

type Side = { host?: boolean; fields: Map<KernelField, Set<string>> };

/** The values (paths, or ids in decimal) each kernel field may have for the conditions to hold; or what is wrong. */
function compileSide(
  conditions: Conditions,
  on: RuleEventType,
  host: HostFacts,
  expand: (pattern: string) => string[],
): Side | string {
  const side: Side = { fields: new Map() };
  for (const [name, condition] of Object.entries(conditions)) {
    if (name === "host.name") {
      side.host =
        condition.kind === "glob" && condition.patterns.some((p) => globToRegExp(p).test(host.name));
      continue;
    }
    const field = kernelFieldOf[on][name] as KernelField;
    // A prefix is one more value of its field, so it cannot take part in an intersection of several conditions.
    const prefixes = on === "exec" && field === "file" && fileConditions(conditions) === 1;
    // A glob on the uid field names users (process.user): the host turns them into uids.
    const named =
      field === "uid"
        ? (pattern: string) => (host.uidsOf?.(pattern) ?? []).map(String)
        : prefixes
          ? expandOrPrefix(expand)
          : expand;
    const keys = valuesOf(condition, field, named);
    if (typeof keys === "string") return `${name}: ${keys}`;
    const previous = side.fields.get(field);
    // Several conditions on one field must all hold.
    side.fields.set(field, previous ? new Set([...previous].filter((k) => keys.has(k))) : keys);
  }
  return side;
}

const PREFIX = "\0"; // marks a prefix among a field's values (paths start with "/", ids with a digit)
/** The sensor takes prefixes of at most POLICY_PREFIX_PATH bytes (bpf/include/vigil_policy.h). */
const MAX_PREFIX_BYTES = 248;

/** How many conditions of a side name exec's file. */
const fileConditions = (conditions: Conditions) =>
  Object.keys(conditions).filter((name) => kernelFieldOf.exec[name] === "file").length;

/**
 * `dir/**` as the prefix `dir/`, which the kernel compares with the path being executed: a file created there
 * later is covered at once. Other patterns name the files that exist now.
 */
function expandOrPrefix(expand: (pattern: string) => string[]) {
  return (pattern: string): string[] => {
    const dir = /^(\/[^*?\\]*\/)\*\*$/.exec(pattern)?.[1];
    return dir !== undefined && new TextEncoder().encode(dir).length <= MAX_PREFIX_BYTES
      ? [PREFIX + dir]
      : expand(pattern);
  };
}

function valuesOf(
  condition: Condition,
  field: KernelField,
  named: (pattern: string) => string[],
): Set<string> | string {
  switch (condition.kind) {
    case "glob":
      return new Set(condition.patterns.flatMap(named));
    case "choice":
      return new Set(condition.values.map((v) => (v === "true" ? "1" : "0")));
    case "id": {
      const too = condition.ids.find((id) => BigInt(id) > Number.MAX_SAFE_INTEGER);
      if (field === "cgroup" && too !== undefined)
        return `the cgroup id ${too} is larger than the kernel plan carries (${Number.MAX_SAFE_INTEGER})`;
      return new Set(condition.ids.filter((id) => field === "cgroup" || BigInt(id) <= MAX_UID));
    }
    case "argv":
      return "the kernel does not see the command line";
  }
}

/** The plan as the text the sensor reads, one command a line; `generation` tells one plan from the next. */
export function planCommands(plan: KernelPlan, generation: number): string[] {
  const code = (field: KernelField) => kernelFields.indexOf(field);
  const bits = (fields: KernelField[]) => fields.reduce((sum, f) => sum | (1 << code(f)), 0);
  return [
    `begin ${generation}`,
    ...plan.rules.map(
      (r) =>
        `rule ${kernelTypeCodes[r.on]} ${r.slot} ${r.action} ${r.enforce ? "enforce" : "audit"} ` +
        `${r.policyIndex} ${bits(r.when)} ${bits(r.unless)}`,
    ),
    ...plan.values.map((v) => {
      const head = `${kernelTypeCodes[v.on]} ${v.side} ${code(v.field)} ${v.slots.toString(16)}`;
      if (v.prefix !== undefined) return `prefix ${head} ${hex(v.prefix)}`;
      return v.path !== undefined ? `path ${head} ${hex(v.path)}` : `id ${head} ${v.id}`;
    }),
    "commit",
  ];
}

const quoted = (text: string) => JSON.stringify(text);
const hex = (text: string) =>
  Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");

const U64 = (1n << 64n) - 1n;
const bit = (slot: number) => 1n << BigInt(slot);
const not = (mask: bigint) => ~mask & U64;

/**
 * What the sensor decides for an event of type `on` with these facts, computed as it does, with masks of slots:
 * the first deny (by slot) that applies, of an enforcing policy if any, unless an allow of its policy applies too.
 */
export function kernelDecide(
  plan: KernelPlan,
  on: RuleEventType,
  facts: KernelFacts,
): { rule: KernelRule; verdict: "denied" | "audit" } | null {
  const rules = plan.rules.filter((r) => r.on === on);
  const mask = (test: (r: KernelRule) => boolean) =>
    rules.reduce((m, r) => (test(r) ? m | bit(r.slot) : m), 0n);
  const bits = (side: "when" | "unless", field: KernelField) => {
    const fact = facts[field];
    const key = typeof fact === "boolean" ? Number(fact) : fact;
    if (key === undefined) return 0n;
    const listed = plan.values.filter((v) => v.on === on && v.side === side && v.field === field);
    const longest = listed
      .filter((v) => typeof key === "string" && v.prefix !== undefined && key.startsWith(v.prefix))
      .sort((a, b) => (b.prefix as string).length - (a.prefix as string).length)[0];
    return listed
      .filter((v) => v.prefix === undefined && (v.path ?? v.id) === key)
      .reduce((m, v) => m | v.slots, longest?.slots ?? 0n);
  };

  let whenOk = U64;
  let unlessAll = U64;
  for (const field of kernelFields) {
    whenOk &= bits("when", field) | not(mask((r) => r.when.includes(field)));
    unlessAll &= bits("unless", field) | not(mask((r) => r.unless.includes(field)));
  }
  let matched = whenOk & not(unlessAll & mask((r) => r.unless.length > 0)) & mask(() => true);
  for (const allow of rules) {
    if (allow.action === "allow" && matched & bit(allow.slot))
      matched &= not(mask((r) => r.policyIndex === allow.policyIndex));
  }
  const denies = matched & mask((r) => r.action === "deny");
  const lowest = (m: bigint) => rules.find((r) => bit(r.slot) === (m & -m));
  const enforced = lowest(denies & mask((r) => r.enforce));
  if (enforced) return { rule: enforced, verdict: "denied" };
  const audited = lowest(denies);
  return audited ? { rule: audited, verdict: "audit" } : null;
}
