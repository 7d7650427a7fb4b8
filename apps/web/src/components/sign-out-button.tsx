"use client";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";

export function SignOutButton() {
  const trpc = useTRPC();
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({ onSettled: () => window.location.assign("/sign-in") }),
  );
  return (
    <button type="button" className="quiet" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
      Sign out
    </button>
  );
}
