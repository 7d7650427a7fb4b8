import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { SignOutButton } from "@/components/sign-out-button";
import { currentUser } from "@/server/current-user";
import { Providers } from "@/trpc/react";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return (
    <Providers>
      <header className="topbar">
        <Link href="/events" className="brand">
          Vigil
        </Link>
        <nav>
          <Link href="/dashboard">Dashboard</Link>
          <Link href="/events">Events</Link>
          <Link href="/alerts">Alerts</Link>
          <Link href="/hosts">Hosts</Link>
          <Link href="/policies">Policies</Link>
          {user.role === "admin" && <Link href="/admin/users">Users</Link>}
          {user.role === "admin" && <Link href="/admin/tokens">API tokens</Link>}
          {user.role === "admin" && <Link href="/admin/enrollment">Enrollment</Link>}
          {user.role === "admin" && <Link href="/admin/audit">Audit log</Link>}
          {user.role === "admin" && <Link href="/admin/settings">Settings</Link>}
        </nav>
        <span className="who">
          {user.name} <span className="badge">{user.role}</span>
        </span>
        <SignOutButton />
      </header>
      <main className="page">{children}</main>
    </Providers>
  );
}
