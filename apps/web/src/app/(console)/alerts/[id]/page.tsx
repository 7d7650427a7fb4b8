import { currentUser } from "@/server/current-user";
import { AlertDetail } from "./alert-detail";

export const metadata = { title: "Alert · Vigil" };

export default async function AlertPage({ params }: { params: Promise<{ id: string }> }) {
  const [{ id }, user] = await Promise.all([params, currentUser()]);
  return (
    <AlertDetail
      id={Number(id)}
      canTriage={user?.role === "analyst" || user?.role === "admin"}
      me={user?.name ?? ""}
    />
  );
}
