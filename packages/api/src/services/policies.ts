import { hosts, type PolicyRow, policies, policyVersions, type Store } from "@vigil/db";
import { type Policy, PolicyMatcher, parsePolicy } from "@vigil/policy";
import { and, desc, eq } from "drizzle-orm";
import { conflict, DomainError, notFound } from "../errors";

export type PolicySummary = {
  name: string;
  description: string | null;
  mode: Policy["mode"];
  rules: number;
  version: number;
  publishedMs: number;
  publishedBy: string;
  message: string;
};

/** A policy's text that is not valid: 422 with every problem (line, column, message, suggestion) as details. */
export function parsedOrThrow(yaml: string): Policy {
  const result = parsePolicy(yaml);
  if (result.ok) return result.policy;
  const first = result.errors[0];
  throw new DomainError(
    422,
    `the policy has ${result.errors.length} problem(s); the first, at line ${first?.line}: ${first?.message}`,
    result.errors,
  );
}

function current(store: Store, row: PolicyRow) {
  const version = store.db
    .select()
    .from(policyVersions)
    .where(and(eq(policyVersions.policyId, row.id), eq(policyVersions.version, row.currentVersion)))
    .get();
  if (!version) throw new Error(`policy ${row.name} has no version ${row.currentVersion}`);
  return version;
}

/** Every policy with its version in force, by name. */
export function listPolicies(store: Store): PolicySummary[] {
  return store.db
    .select()
    .from(policies)
    .orderBy(policies.name)
    .all()
    .map((row) => {
      const version = current(store, row);
      const parsed = parsePolicy(version.yaml);
      const policy = parsed.ok ? parsed.policy : null;
      return {
        name: row.name,
        description: policy?.description ?? null,
        mode: policy?.mode ?? "audit",
        rules: policy?.rules.length ?? 0,
        version: row.currentVersion,
        publishedMs: version.publishedMs,
        publishedBy: version.publishedBy,
        message: version.message,
      };
    });
}

function policyRow(store: Store, name: string): PolicyRow {
  const row = store.db.select().from(policies).where(eq(policies.name, name)).get();
  if (!row) throw notFound(`no policy named ${JSON.stringify(name)}`);
  return row;
}

/** A policy's versions, newest first, with the text of `version` (default: the one in force). */
export function policyHistory(store: Store, name: string, version?: number) {
  const row = policyRow(store, name);
  const versions = store.db
    .select({
      version: policyVersions.version,
      message: policyVersions.message,
      publishedMs: policyVersions.publishedMs,
      publishedBy: policyVersions.publishedBy,
    })
    .from(policyVersions)
    .where(eq(policyVersions.policyId, row.id))
    .orderBy(desc(policyVersions.version))
    .all();
  const wanted = version ?? row.currentVersion;
  const shown = store.db
    .select({ yaml: policyVersions.yaml })
    .from(policyVersions)
    .where(and(eq(policyVersions.policyId, row.id), eq(policyVersions.version, wanted)))
    .get();
  if (!shown) throw notFound(`policy ${JSON.stringify(name)} has no version ${wanted}`);
  return { name, currentVersion: row.currentVersion, versions, version: wanted, yaml: shown.yaml };
}

/**
 * Publishes `yaml` as the next version of the policy it names (version 1 creates it). `basedOn` is the version the
 * author started from (null for a new policy): if someone published since, nothing is written and the author is
 * told, so no one silently overwrites another's change.
 */
export function publishPolicy(
  store: Store,
  input: { yaml: string; message: string; basedOn: number | null; canary?: number | null },
  by: string,
  nowMs = Date.now(),
): { name: string; version: number } {
  const policy = parsedOrThrow(input.yaml);
  const canaryHosts = input.canary ? firstHosts(store, policy, input.canary) : null;
  if (canaryHosts?.length === 0)
    throw new DomainError(422, `the policy selects no host to try it on first: publish it to all hosts`);
  return store.sqlite
    .transaction(() => {
      const row = store.db.select().from(policies).where(eq(policies.name, policy.name)).get();
      if (!row && input.basedOn !== null)
        throw notFound(`no policy named ${JSON.stringify(policy.name)}: its name in the text was changed?`);
      if (row && input.basedOn === null)
        throw conflict(`a policy named ${JSON.stringify(policy.name)} already exists: open it to change it`);
      if (row && row.currentVersion !== input.basedOn) {
        const newer = current(store, row);
        throw conflict(
          `version ${row.currentVersion} of ${policy.name} was published by ${newer.publishedBy} after you opened ` +
            `version ${input.basedOn}; reload it and apply your change again`,
        );
      }
      const version = (row?.currentVersion ?? 0) + 1;
      // A canary over a canary: the other hosts keep what they had before either.
      const stableVersion = canaryHosts
        ? ((row?.canaryHosts ? row.stableVersion : row?.currentVersion) ?? 0)
        : null;
      const rollout = { currentVersion: version, canaryHosts, stableVersion };
      const policyId =
        row?.id ??
        store.db
          .insert(policies)
          .values({ name: policy.name, createdMs: nowMs, createdBy: by, ...rollout })
          .returning({ id: policies.id })
          .get().id;
      if (row) store.db.update(policies).set(rollout).where(eq(policies.id, row.id)).run();
      store.db
        .insert(policyVersions)
        .values({
          policyId,
          version,
          yaml: input.yaml,
          message: input.message,
          publishedMs: nowMs,
          publishedBy: by,
        })
        .run();
      return { name: policy.name, version };
    })
    .immediate();
}

/** The first `count` hosts (by name) the policy selects: where a canary version goes first. */
function firstHosts(store: Store, policy: Policy, count: number): number[] {
  const matcher = new PolicyMatcher(policy, { id: policy.name, version: 0 });
  return store.db
    .select({ id: hosts.id, name: hosts.name, labels: hosts.labels })
    .from(hosts)
    .orderBy(hosts.name)
    .all()
    .filter((host) => matcher.selects(host))
    .slice(0, count)
    .map((host) => host.id);
}

/** The version of a policy a host applies: the newest, unless it is a canary on other hosts. */
export function versionForHost(
  row: Pick<PolicyRow, "currentVersion" | "canaryHosts" | "stableVersion">,
  hostId: number,
) {
  if (row.canaryHosts === null || row.canaryHosts.includes(hostId)) return row.currentVersion;
  return row.stableVersion || null;
}

/** Sends the canary version of a policy to every host it selects. */
export function promotePolicy(store: Store, name: string): { name: string; version: number } {
  const row = store.db.select().from(policies).where(eq(policies.name, name)).get();
  if (!row) throw notFound(`no policy named ${JSON.stringify(name)}`);
  if (row.canaryHosts === null)
    throw conflict(`version ${row.currentVersion} of ${name} is already on every host it selects`);
  store.db
    .update(policies)
    .set({ canaryHosts: null, stableVersion: null })
    .where(eq(policies.id, row.id))
    .run();
  return { name, version: row.currentVersion };
}

/** Publishes the text of an earlier version again, as a new version: history only grows. */
export function rollbackPolicy(
  store: Store,
  name: string,
  toVersion: number,
  by: string,
  nowMs = Date.now(),
): { name: string; version: number } {
  const history = policyHistory(store, name, toVersion);
  return publishPolicy(
    store,
    { yaml: history.yaml, message: `roll back to version ${toVersion}`, basedOn: history.currentVersion },
    by,
    nowMs,
  );
}

export type HostRollout = {
  name: string;
  /** applied: the host runs the version meant for it; pending: not yet (an older one, or none); failed: it refused it. */
  state: "applied" | "pending" | "failed";
  /** The version of this policy the host applies, if any. */
  version: number | null;
  /** The version meant for it: the newest, or while a canary runs elsewhere the one the other hosts keep. */
  expected: number | null;
  /** The host is one the canary version went to first. */
  canary: boolean;
  error: string | null;
  /** False where the sensor cannot deny (tracepoint mode): deny rules are reported as audit there. */
  enforcing: boolean;
  lastSeenMs: number;
};

/** Where the newest version of a policy stands on each host it selects, and the canary, if one runs. */
export function policyRollout(
  store: Store,
  name: string,
): { version: number; canary: { stableVersion: number } | null; hosts: HostRollout[] } {
  const history = policyHistory(store, name);
  const row = store.db.select().from(policies).where(eq(policies.name, name)).get() as PolicyRow;
  const parsed = parsedOrThrow(history.yaml);
  const matcher = new PolicyMatcher(parsed, { id: name, version: history.currentVersion });
  const rows = store.db
    .select({
      id: hosts.id,
      name: hosts.name,
      labels: hosts.labels,
      status: hosts.policyStatus,
      lastSeenMs: hosts.lastSeenMs,
    })
    .from(hosts)
    .orderBy(hosts.name)
    .all();
  const rollout = rows
    .filter((host) => matcher.selects(host))
    .map((host): HostRollout => {
      const version = host.status?.applied.find((p) => p.name === name)?.version ?? null;
      const expected = versionForHost(row, host.id);
      const state = version === expected ? "applied" : host.status?.error ? "failed" : "pending";
      return {
        name: host.name,
        state,
        version,
        expected,
        canary: row.canaryHosts?.includes(host.id) ?? false,
        error: state === "failed" ? (host.status?.error ?? null) : null,
        enforcing: host.status?.enforcing ?? false,
        lastSeenMs: host.lastSeenMs,
      };
    });
  const canary = row.canaryHosts ? { stableVersion: row.stableVersion ?? 0 } : null;
  return { version: history.currentVersion, canary, hosts: rollout };
}
