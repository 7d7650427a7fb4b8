import { currentUser } from "@/server/current-user";
import { AuditLog } from "./audit-log";

export const metadata = { title: "Audit log · Vigil" };

export default async function AuditPage() {
  const user = await currentUser();
  if (user?.role !== "admin") {
    return (
      <section className="refused" role="alert">
        <h1>Not allowed</h1>
        <p>The audit log is for admins; you are signed in as {user?.role ?? "nobody"}.</p>
      </section>
    );
  }
  return <AuditLog />;
}
