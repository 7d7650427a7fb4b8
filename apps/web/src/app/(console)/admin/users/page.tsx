import { adminOnly } from "@/server/admin-only";
import { Users } from "./users";

export const metadata = { title: "Users · Vigil" };

export default function UsersPage() {
  return adminOnly("Accounts are managed by admins", (me) => <Users me={me} />);
}
