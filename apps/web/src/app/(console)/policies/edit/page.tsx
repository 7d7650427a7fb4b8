import { readTemplates } from "@vigil/policy/templates";
import { env } from "@/env";
import { currentUser } from "@/server/current-user";
import { PolicyEditor } from "./policy-editor";

export const metadata = { title: "Policy · Vigil" };

const EMPTY = `apiVersion: vigil/v1
kind: Policy
name: my-policy
description: What this policy is for.
mode: audit
rules:
  - id: first-rule
    on: exec
    action: alert
    severity: medium
    when:
      process.exe: ["/tmp/**"]
`;

/** Edits the policy `name`, or a new one from `template` (or empty). */
export default async function EditPolicyPage(props: {
  searchParams: Promise<{ name?: string; template?: string }>;
}) {
  const { name, template } = await props.searchParams;
  const user = await currentUser();
  const start = template
    ? readTemplates(env.VIGIL_POLICY_TEMPLATES_DIR).find((t) => t.file === template)
    : undefined;
  return (
    <PolicyEditor
      name={name ?? null}
      draft={name ? null : (start?.yaml ?? EMPTY)}
      draftKey={name ? `policy:${name}` : `new:${start?.file ?? ""}`}
      role={user?.role ?? "viewer"}
    />
  );
}
