import { hosts, oncePer, type PolicyRow, policies, policyVersions, type Store } from "@vigil/db";
import { type PolicyBundle, PolicyMatcher, parsePolicy } from "@vigil/policy";
import { bundleHash } from "@vigil/policy/bundle";
import { and, eq } from "drizzle-orm";
import { versionForHost } from "./policies";

/** What a host must apply: the version meant for it (see versionForHost) of every policy whose selector picks it. */
export function policyBundle(store: Store, hostId: number): PolicyBundle {
  const host = store.db
    .select({ id: hosts.id, name: hosts.name, labels: hosts.labels })
    .from(hosts)
    .where(eq(hosts.id, hostId))
    .get();
  return host ? new BundlePlanner(store).bundleFor(host) : { hash: bundleHash([]), policies: [] };
}

type PlannedHost = { id: number; name: string; labels: Record<string, string> };

/** The bundles of many hosts: each published version is read and parsed once. */
export class BundlePlanner {
  private readonly rows: PolicyRow[];
  private readonly versions = new Map<string, { yaml: string; matcher: PolicyMatcher } | null>();
  private readonly hashes = new Map<string, string>();

  constructor(private readonly store: Store) {
    this.rows = store.db.select().from(policies).orderBy(policies.name).all();
  }

  bundleFor(host: PlannedHost): PolicyBundle {
    const chosen: PolicyBundle["policies"] = [];
    for (const row of this.rows) {
      const version = versionForHost(row, host.id);
      const published = version === null ? null : this.published(row, version);
      if (version !== null && published?.matcher.selects(host))
        chosen.push({ name: row.name, version, yaml: published.yaml });
    }
    const key = chosen.map((p) => `${p.name}@${p.version}`).join(" ");
    let hash = this.hashes.get(key);
    if (hash === undefined) {
      hash = bundleHash(chosen);
      this.hashes.set(key, hash);
    }
    return { hash, policies: chosen };
  }

  private published(row: PolicyRow, version: number) {
    const key = `${row.name}@${version}`;
    if (!this.versions.has(key)) {
      const yaml = this.store.db
        .select({ yaml: policyVersions.yaml })
        .from(policyVersions)
        .where(and(eq(policyVersions.policyId, row.id), eq(policyVersions.version, version)))
        .get()?.yaml;
      const parsed = yaml === undefined ? null : parsePolicy(yaml); // published versions parse: checked at publish
      this.versions.set(
        key,
        yaml !== undefined && parsed?.ok
          ? { yaml, matcher: new PolicyMatcher(parsed.policy, { id: row.name, version }) }
          : null,
      );
    }
    return this.versions.get(key) ?? null;
  }
}

/**
 * Changes with every publish or promotion anywhere: a cheap test of whether any host's bundle may have changed.
 * A publish adds a version; a promotion adds none but ends a canary.
 */
export function policiesStamp(store: Store): string {
  return stampOf(store.sqlite).get() as string;
}

// Every waiting policy long-poll asks for the stamp each tick (a thousand times a second for 500 hosts): one
// statement prepared per database.
const stampOf = oncePer((sqlite: Store["sqlite"]) =>
  sqlite
    .prepare<[], string>(
      `SELECT (SELECT coalesce(max(id), 0) FROM policy_versions) || ':' ||
         (SELECT count(*) FROM policies WHERE canary_hosts IS NOT NULL)`,
    )
    .pluck(),
);

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
  let stamp = "";
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
