import { type SignedInUser, sessionUser } from "@vigil/api";
import { cookies } from "next/headers";
import { SESSION_COOKIE } from "./session-cookie";
import { vigil } from "./vigil";

/** The signed-in user of the page being rendered, or null. */
export async function currentUser(): Promise<SignedInUser | null> {
  const cookie = (await cookies()).get(SESSION_COOKIE)?.value;
  return sessionUser(vigil().store, cookie);
}
