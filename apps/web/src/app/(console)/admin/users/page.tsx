import { currentUser } from "@/server/current-user";
import { Users } from "./users";

export const metadata = { title: "Users · Vigil" };

export default async function UsersPage() {
  const user = await currentUser();
  if (user?.role !== "admin") {
    return (
      <section className="refused" role="alert">
        <h1>Not allowed</h1>
        <p>Accounts are managed by admins; you are signed in as {user?.role ?? "nobody"}.</p>
      </section>
    );
  }
  return <Users me={user.name} />;
}
