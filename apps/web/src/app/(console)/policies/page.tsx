import { readTemplates } from "@vigil/policy/templates";
import { env } from "@/env";
import { currentUser } from "@/server/current-user";
import { PolicyList } from "./policy-list";

export const metadata = { title: "Policies · Vigil" };

export default async function PoliciesPage() {
  const user = await currentUser();
  const templates = readTemplates(env.VIGIL_POLICY_TEMPLATES_DIR).map(({ file, name, description }) => ({
    file,
    name,
    description,
  }));
  return <PolicyList canAuthor={user?.role !== "viewer"} templates={templates} />;
}
