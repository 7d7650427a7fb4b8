import type { ReactNode } from "react";
import { currentUser } from "./current-user";

/** An admin page: `page` for admins; anyone else reads `refusal` and the role they have. */
export async function adminOnly(refusal: string, page: (me: string) => ReactNode): Promise<ReactNode> {
  const user = await currentUser();
  if (user?.role !== "admin") {
    return (
      <section className="refused" role="alert">
        <h1>Not allowed</h1>
        <p>
          {refusal}; you are signed in as {user?.role ?? "nobody"}.
        </p>
      </section>
    );
  }
  return page(user.name);
}
