import { createHash } from "node:crypto";
import { hosts, policies, policyVersions, type Store } from "@vigil/db";
import { type PolicyBundle, PolicyMatcher, parsePolicy } from "@vigil/policy";
import { and, eq, max } from "drizzle-orm";

/** What a host must apply: the version in force of every policy whose selector picks it. */
export function policyBundle(store: Store, hostId: number): PolicyBundle {
  const host = store.db
    .select({ name: hosts.name, labels: hosts.labels })
    .from(hosts)
    .where(eq(hosts.id, hostId))
    .get();
  const rows = store.db
    .select({ name: policies.name, version: policies.currentVersion, yaml: policyVersions.yaml })
    .from(policies)
    .innerJoin(
      policyVersions,
      and(eq(policyVersions.policyId, policies.id), eq(policyVersions.version, policies.currentVersion)),
    )
    .orderBy(policies.name)
    .all();
  const chosen = rows.filter((row) => {
    const parsed = parsePolicy(row.yaml); // published versions parse: they were checked when published
    return (
      host &&
      parsed.ok &&
      new PolicyMatcher(parsed.policy, { id: row.name, version: row.version }).selects(host)
    );
  });
  const hash = createHash("sha256")
    .update(JSON.stringify(chosen.map((p) => [p.name, p.version])))
    .digest("hex")
    .slice(0, 32);
  return { hash, policies: chosen };
}

/** Grows with every publish anywhere: a cheap test of whether any host's bundle may have changed. */
export const policiesStamp = (store: Store): number =>
  store.db
    .select({ last: max(policyVersions.id) })
    .from(policyVersions)
    .get()?.last ?? 0;

/**
 * The host's bundle once it differs from `have` (at once if it already does), or null after `waitMs`: agents
 * long-poll, so a publish reaches them within a second without each asking every second.
 */
export async function nextPolicyBundle(
  store: Store,
  hostId: number,
  have: string | null,
  options: { waitMs: number; everyMs: number; signal?: AbortSignal },
): Promise<PolicyBundle | null> {
  const deadline = Date.now() + options.waitMs;
  let stamp = -1;
  for (;;) {
    const now = policiesStamp(store);
    if (now !== stamp) {
      stamp = now;
      const bundle = policyBundle(store, hostId);
      if (bundle.hash !== have) return bundle;
    }
    if (Date.now() >= deadline || options.signal?.aborted) return null;
    await new Promise((resolve) => setTimeout(resolve, options.everyMs));
  }
}
