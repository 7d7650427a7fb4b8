import { currentUser } from "@/server/current-user";
import { HostDetailView } from "./host-detail";

export const metadata = { title: "Host · Vigil" };

export default async function HostPage({ params }: { params: Promise<{ id: string }> }) {
  const [{ id }, user] = await Promise.all([params, currentUser()]);
  return <HostDetailView id={Number(id)} isAdmin={user?.role === "admin"} />;
}
