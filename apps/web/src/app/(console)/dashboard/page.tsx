import { DashboardView } from "./dashboard-view";

export const metadata = { title: "Dashboard · Vigil" };

export default function DashboardPage() {
  return <DashboardView />;
}
