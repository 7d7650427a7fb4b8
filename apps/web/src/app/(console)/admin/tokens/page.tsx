import { currentUser } from "@/server/current-user";
import { ApiTokens } from "./api-tokens";

export const metadata = { title: "API tokens · Vigil" };

export default async function TokensPage() {
  const user = await currentUser();
  if (user?.role !== "admin") {
    return (
      <section className="refused" role="alert">
        <h1>Not allowed</h1>
        <p>API tokens are managed by admins; you are signed in as {user?.role ?? "nobody"}.</p>
      </section>
    );
  }
  return <ApiTokens />;
}
