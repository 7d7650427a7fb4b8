import { adminOnly } from "@/server/admin-only";
import { EnrollmentTokens } from "./enrollment-tokens";

export const metadata = { title: "Enrollment · Vigil" };

export default function EnrollmentPage() {
  return adminOnly("Enrollment tokens are managed by admins", () => <EnrollmentTokens />);
}
