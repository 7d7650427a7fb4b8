import { adminOnly } from "@/server/admin-only";
import { ApiTokens } from "./api-tokens";

export const metadata = { title: "API tokens · Vigil" };

export default function TokensPage() {
  return adminOnly("API tokens are managed by admins", () => <ApiTokens />);
}
