import type { PolicyBundle } from "@vigil/policy";
import type { Log } from "../log";
import type { ServerClient } from "../ship/server-client";
import type { AppliedPolicies } from "./applied-policies";

const RETRY_MS = 5_000;

/**
 * Keeps `applied` on the bundle the server has for this host: asks once, then long-polls with the hash it
 * applied, so a new version arrives within a second of its publish.
 */
export async function followPolicies(
  client: ServerClient,
  applied: AppliedPolicies,
  log: Log,
  stopped: () => boolean,
): Promise<void> {
  let asked: string | null = null; // the newest hash received, applied or not: not asked for again
  while (!stopped()) {
    try {
      const query = asked ? `?${new URLSearchParams({ have: asked })}` : "";
      const answer = await client.get(`/api/agent/v1/policies${query}`, { timeoutMs: 40_000 });
      if (answer.status === 200) {
        const bundle = answer.body as unknown as PolicyBundle;
        asked = bundle.hash;
        await applied.apply(bundle);
        const names = bundle.policies.map((p) => `${p.name}@${p.version}`).join(", ") || "none";
        if (applied.error) log.error(`policies not applied: ${applied.error}`, { hash: bundle.hash });
        else log.info(`policies applied: ${names}`, { hash: bundle.hash });
      } else if (answer.status !== 304) {
        log.warn(`policies refused (${answer.status}): ${answer.body.error}`, { status: answer.status });
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    } catch {
      await new Promise((r) => setTimeout(r, RETRY_MS)); // the shipper reports an unreachable server
    }
  }
}
