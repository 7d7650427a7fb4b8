import { currentUser } from "@/server/current-user";
import { AlertList } from "./alert-list";

export const metadata = { title: "Alerts · Vigil" };

export default async function AlertsPage() {
  const user = await currentUser();
  return <AlertList canTriage={user?.role === "analyst" || user?.role === "admin"} me={user?.name ?? ""} />;
}
