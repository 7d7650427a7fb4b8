import { FleetView } from "./fleet-view";

export const metadata = { title: "Hosts · Vigil" };

export default function HostsPage() {
  return <FleetView />;
}
