import { isMap, isScalar, isSeq, type Node, parseDocument, visit, type YAMLMap } from "yaml";
import { compileCondition } from "./conditions";
import { fieldByName, fields, messageNames, type RuleEventType, ruleEventTypes } from "./fields";
import { closest } from "./suggest";
import {
  type Action,
  actions,
  argvKeys,
  type Condition,
  type Conditions,
  type Mode,
  modes,
  type ParseResult,
  type Policy,
  type PolicyError,
  policyKeys,
  type Rule,
  ruleKeys,
  type Severity,
  selectorKeys,
  severities,
} from "./types";

export const MAX_POLICY_BYTES = 256 * 1024;
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const NAME_RULE = "1-63 lower-case letters, digits or '-', not starting or ending with '-'";
const LABEL_KEY = /^[A-Za-z0-9_./-]{1,63}$/;

/** Reads a policy's YAML, checking everything it can: every problem found is reported, each with where it is. */
export function parsePolicy(text: string): ParseResult {
  if (new TextEncoder().encode(text).length > MAX_POLICY_BYTES) {
    return fail([
      { line: 1, column: 1, path: "", message: `the policy is larger than ${MAX_POLICY_BYTES} bytes` },
    ]);
  }
  const lines = new Lines(text);
  const doc = parseDocument(text, {
    uniqueKeys: true,
    prettyErrors: false,
    intAsBigInt: true,
  });
  if (doc.errors.length > 0) {
    return fail(
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { line, column: col, path: "", message: `not valid YAML: ${firstLine(error.message)}` };
      }),
    );
  }
  // Never expanded (a "billion laughs" document is harmless): said once, where it is, instead of as a bad value.
  const aliases: PolicyError[] = [];
  visit(doc, {
    Alias(_, alias) {
      const { line, col } = lines.linePos(alias.range?.[0] ?? 0);
      aliases.push({
        line,
        column: col,
        path: "",
        message: `YAML aliases (*${alias.source}) are not supported in a policy: write the value out`,
      });
    },
  });
  if (aliases.length > 0) return fail(aliases);
  const reader = new Reader(lines);
  const policy = reader.policy(doc.contents);
  return reader.errors.length > 0 || !policy ? fail(reader.errors) : { ok: true, policy };
}

const fail = (errors: PolicyError[]): ParseResult => ({
  ok: false,
  errors: [...errors].sort((a, b) => a.line - b.line || a.column - b.column),
});
const firstLine = (message: string) => message.split("\n")[0] ?? message;
// Numbers are read as BigInt (a uid or an id may not fit a double), which JSON.stringify refuses.
const quoted = (value: unknown) => (typeof value === "bigint" ? String(value) : JSON.stringify(value));

/** Line and column (1-based) of an offset, from the text itself: yaml's LineCounter misses the line breaks inside a
 * multi-line scalar that a syntax error interrupts, and then places every later error on the wrong line. */
class Lines {
  private readonly starts = [0];

  constructor(text: string) {
    for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) this.starts.push(at + 1);
  }

  linePos(offset: number): { line: number; col: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: offset - (this.starts[low] as number) + 1 };
  }
}

class Reader {
  readonly errors: PolicyError[] = [];

  constructor(private readonly lines: Lines) {}

  policy(node: Node | null): Policy | null {
    if (!isMap(node)) {
      this.error(node, "", "a policy is a mapping (apiVersion, kind, name, mode, rules, ...)");
      return null;
    }
    const map = this.keys(node, "", policyKeys);
    const apiVersion = this.choice(map, node, "apiVersion", ["vigil/v1"], true);
    const kind = this.choice(map, node, "kind", ["Policy"], true);
    const name = this.name(map, node, "name");
    const description = this.text(map, "description");
    const mode = (this.choice(map, node, "mode", modes, false) ?? "audit") as Mode;
    const selector = this.selector(map.get("selector"));
    const rulesNode = map.get("rules");
    const rules: Rule[] = [];
    if (!rulesNode) this.error(node, "rules", "missing `rules`: a policy has at least one rule");
    else if (!isSeq(rulesNode) || rulesNode.items.length === 0)
      this.error(rulesNode, "rules", "`rules` is a list of at least one rule");
    else {
      const ids = new Set<string>();
      rulesNode.items.forEach((item, i) => {
        const rule = this.rule(item as Node, `rules[${i}]`);
        if (!rule) return;
        if (ids.has(rule.id))
          this.error(item as Node, `rules[${i}].id`, `rule id ${quoted(rule.id)} is used twice`);
        ids.add(rule.id);
        rules.push(rule);
      });
    }
    if (!apiVersion || !kind || !name) return null;
    return { apiVersion: "vigil/v1", kind: "Policy", name, description, mode, selector, rules };
  }

  private selector(node: Node | undefined): Policy["selector"] {
    const selector: Policy["selector"] = { labels: {}, hosts: [] };
    if (!node) return selector;
    if (!isMap(node)) {
      this.error(node, "selector", "`selector` is a mapping with `labels` and/or `hosts`");
      return selector;
    }
    const map = this.keys(node, "selector", selectorKeys);
    const labels = map.get("labels");
    if (labels && !isMap(labels)) this.error(labels, "selector.labels", "`labels` maps label keys to values");
    else if (labels) {
      for (const pair of labels.items) {
        const key = String(isScalar(pair.key) ? pair.key.value : "");
        const value = isScalar(pair.value) ? pair.value.value : undefined;
        if (!LABEL_KEY.test(key))
          this.error(
            pair.key as Node,
            "selector.labels",
            `label key ${quoted(key)} is not 1-63 of A-Z a-z 0-9 _ . / -`,
          );
        else if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
          this.error((pair.value ?? pair.key) as Node, `selector.labels.${key}`, "a label's value is text");
        // Defined, not assigned: a label named "__proto__" would otherwise set the object's prototype and vanish.
        else
          Object.defineProperty(selector.labels, key, {
            value: String(value),
            enumerable: true,
            writable: true,
          });
      }
    }
    selector.hosts = this.strings(map.get("hosts"), "selector.hosts") ?? [];
    return selector;
  }

  private rule(node: Node, path: string): Rule | null {
    if (!isMap(node)) {
      this.error(node, path, "a rule is a mapping with id, on, action, severity, when, unless, message");
      return null;
    }
    const map = this.keys(node, path, ruleKeys);
    const id = this.name(map, node, "id", path);
    const on = this.choice(map, node, "on", ruleEventTypes, true, path) as RuleEventType | undefined;
    const action = this.choice(map, node, "action", actions, true, path) as Action | undefined;
    const severity = this.choice(map, node, "severity", severities, action !== "allow", path) as
      | Severity
      | undefined;
    const description = this.text(map, "description", path);
    const message = this.text(map, "message", path);
    if (!id || !on || !action) return null;
    const when = this.conditions(map.get("when"), `${path}.when`, on);
    const unless = this.conditions(map.get("unless"), `${path}.unless`, on);
    if (message !== undefined) this.template(map.get("message") as Node, `${path}.message`, message, on);
    if (action === "deny") this.enforceable(map, path, on, { when, unless });
    return { id, on, action, severity: severity ?? "info", description, when, unless, message };
  }

  /** A deny must be decided where the kernel decides: every condition it depends on must be known there. */
  private enforceable(
    map: Map<string, Node>,
    path: string,
    on: RuleEventType,
    parts: Record<string, Conditions>,
  ) {
    for (const [part, conditions] of Object.entries(parts)) {
      for (const name of Object.keys(conditions)) {
        const field = fieldByName.get(name);
        if (!field || field.kernel.includes(on)) continue;
        const node = (map.get(part) as YAMLMap | undefined)?.items.find(
          (p) => isScalar(p.key) && p.key.value === name,
        )?.key as Node | undefined;
        this.error(
          node ?? map.get("action"),
          `${path}.${part}.${name}`,
          `action deny cannot be enforced on ${on}: the kernel does not see ${name} there, so it could not decide`,
          "use `action: alert` for this rule, or match on fields the kernel sees: " +
            fields
              .filter((f) => f.kernel.includes(on))
              .map((f) => f.name)
              .join(", "),
        );
      }
    }
  }

  private conditions(node: Node | undefined, path: string, on: RuleEventType): Conditions {
    const conditions: Conditions = {};
    if (!node) return conditions;
    if (!isMap(node)) {
      this.error(node, path, "conditions are a mapping of field names to what they must be");
      return conditions;
    }
    for (const pair of node.items) {
      const name = String(isScalar(pair.key) ? pair.key.value : "");
      const at = `${path}.${name}`;
      const field = fieldByName.get(name);
      if (!field) {
        const known = fields.filter((f) => f.on.includes(on)).map((f) => f.name);
        this.error(pair.key as Node, at, `unknown field ${quoted(name)}`, hint(closest(name, known), known));
        continue;
      }
      if (!field.on.includes(on)) {
        const types = field.on.join(", ");
        this.error(pair.key as Node, at, `${on} events have no ${name} (only ${types} do)`);
        continue;
      }
      const condition = this.condition(pair.value as Node | null, at, field.kind, field.choices);
      if (condition) conditions[name] = condition;
    }
    return conditions;
  }

  private condition(
    node: Node | null,
    path: string,
    kind: string,
    choices?: readonly string[],
  ): Condition | null {
    if (kind === "argv" && isMap(node)) {
      const map = this.keys(node, path, argvKeys);
      if (map.size !== 1) {
        this.error(node, path, "give exactly one of `contains` (a list of strings) or `regex`");
        return null;
      }
      if (map.has("regex")) {
        const regex = this.text(map, "regex", path);
        if (regex === undefined) return null;
        const problem = compileCondition({ kind: "argv", regex }).problem;
        if (problem) this.error(map.get("regex"), `${path}.regex`, problem);
        return problem ? null : { kind: "argv", regex };
      }
      const contains = this.strings(map.get("contains"), `${path}.contains`);
      return contains ? { kind: "argv", contains } : null;
    }
    const values = this.scalars(node, path);
    if (!values) return null;
    if (kind === "argv") return { kind: "argv", contains: values };
    if (kind === "id") {
      const bad = values.find((v) => !/^\d{1,20}$/.test(v));
      if (bad !== undefined) {
        this.error(node, path, `${quoted(bad)} is not a numeric id`);
        return null;
      }
      return { kind: "id", ids: values.map((v) => BigInt(v).toString()) };
    }
    if (kind === "choice") {
      const bad = values.find((v) => !choices?.includes(v));
      if (bad !== undefined) {
        this.error(
          node,
          path,
          `${quoted(bad)} is not one of ${choices?.join(", ")}`,
          hint(closest(bad, choices ?? [])),
        );
        return null;
      }
      return { kind: "choice", values };
    }
    const empty = values.find((v) => v.length === 0);
    if (empty !== undefined) {
      this.error(node, path, "an empty pattern matches nothing; use `*` for anything");
      return null;
    }
    return { kind: "glob", patterns: values };
  }

  private template(node: Node, path: string, message: string, on: RuleEventType) {
    const known = messageNames(on);
    for (const match of message.matchAll(/\{([^{}]*)\}/g)) {
      const name = match[1] as string;
      if (known.includes(name)) continue;
      this.error(
        node,
        path,
        `the message names {${name}}, which ${on} events do not have`,
        hint(closest(name, known)),
      );
    }
  }

  /** The mapping's entries by key; unknown keys are reported with the closest known one. */
  private keys(node: YAMLMap, path: string, known: readonly string[]): Map<string, Node> {
    const entries = new Map<string, Node>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      if (!known.includes(key)) {
        const where = path ? `${path}.${key}` : key;
        this.error(
          pair.key as Node,
          where,
          `unknown setting ${quoted(key)}`,
          hint(closest(key, known), known),
        );
        continue;
      }
      entries.set(key, pair.value as Node);
    }
    return entries;
  }

  private choice<T extends string>(
    map: Map<string, Node>,
    parent: Node,
    key: string,
    choices: readonly T[],
    required: boolean,
    path = "",
  ): T | undefined {
    const where = path ? `${path}.${key}` : key;
    const node = map.get(key);
    if (!node) {
      if (required) this.error(parent, where, `missing \`${key}\`: one of ${choices.join(", ")}`);
      return undefined;
    }
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
    this.error(
      node,
      where,
      `${quoted(value ?? null)} is not one of ${choices.join(", ")}`,
      hint(closest(String(value), choices)),
    );
    return undefined;
  }

  private name(map: Map<string, Node>, parent: Node, key: string, path = ""): string | undefined {
    const where = path ? `${path}.${key}` : key;
    const node = map.get(key);
    if (!node) {
      this.error(parent, where, `missing \`${key}\` (${NAME_RULE})`);
      return undefined;
    }
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value === "string" && NAME.test(value)) return value;
    this.error(node, where, `${quoted(value ?? null)} is not a valid ${key}: ${NAME_RULE}`);
    return undefined;
  }

  private text(map: Map<string, Node>, key: string, path = ""): string | undefined {
    const node = map.get(key);
    if (!node) return undefined;
    if (isScalar(node) && typeof node.value === "string" && node.value.length <= 1000) return node.value;
    this.error(node, path ? `${path}.${key}` : key, `\`${key}\` is text of at most 1000 characters`);
    return undefined;
  }

  private strings(node: Node | undefined, path: string): string[] | undefined {
    if (!node) return undefined;
    const values = this.scalars(node, path);
    if (!values) return undefined;
    if (values.some((v) => v.length === 0)) {
      this.error(node, path, "empty strings match nothing");
      return undefined;
    }
    return values;
  }

  /** A scalar or a list of scalars, as text. */
  private scalars(node: Node | null, path: string): string[] | null {
    const items = isSeq(node) ? (node.items as Node[]) : [node];
    if (items.length === 0) {
      this.error(node, path, "an empty list matches nothing; leave the field out to match anything");
      return null;
    }
    const values: string[] = [];
    for (const item of items) {
      const value = isScalar(item) ? item.value : undefined;
      if (!["string", "number", "bigint", "boolean"].includes(typeof value)) {
        this.error(item ?? node, path, "expected a value or a list of values (text, numbers, true or false)");
        return null;
      }
      values.push(String(value));
    }
    return values;
  }

  private error(node: Node | null | undefined, path: string, message: string, suggestion?: string) {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    this.errors.push({ line, column: col, path, message, ...(suggestion ? { suggestion } : {}) });
  }
}

function hint(near: string | undefined, known?: readonly string[]): string | undefined {
  if (near) return `did you mean ${quoted(near)}?`;
  return known && known.length > 0 ? `expected one of: ${known.join(", ")}` : undefined;
}
