import { adminOnly } from "@/server/admin-only";
import { AuditLog } from "./audit-log";

export const metadata = { title: "Audit log · Vigil" };

export default function AuditPage() {
  return adminOnly("The audit log is for admins", () => <AuditLog />);
}
