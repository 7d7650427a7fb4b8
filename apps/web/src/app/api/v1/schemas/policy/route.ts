import { policyJsonSchema } from "@vigil/policy";

/**
 * The policy format's JSON Schema, for editors (e.g. `# yaml-language-server: $schema=<this URL>` at the top of a
 * policy file). Served without sign-in on purpose: it describes the format and holds nothing of any host.
 */
export function GET(): Response {
  return Response.json(policyJsonSchema(), {
    headers: { "content-type": "application/schema+json", "cache-control": "public, max-age=300" },
  });
}
