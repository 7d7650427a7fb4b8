import { redirect } from "next/navigation";
import { currentUser } from "@/server/current-user";
import { Providers } from "@/trpc/react";
import { SignInForm } from "./sign-in-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in · Vigil" };

export default async function SignInPage() {
  if (await currentUser()) redirect("/events");
  return (
    <Providers>
      <main className="sign-in">
        <h1>Vigil</h1>
        <SignInForm />
      </main>
    </Providers>
  );
}
