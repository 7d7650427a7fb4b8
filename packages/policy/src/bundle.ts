import { createHash } from "node:crypto";
import type { PolicyBundle } from "./types";

/**
 * The digest of a bundle's policies: names, versions and texts. The server sends it with the bundle and the agent
 * applies nothing whose policies do not hash to it; agents long-poll with the digest they have.
 */
export function bundleHash(policies: PolicyBundle["policies"]): string {
  return createHash("sha256")
    .update(JSON.stringify(policies.map((p) => [p.name, p.version, p.yaml])))
    .digest("hex")
    .slice(0, 32);
}
