import { fleetSummary } from "@vigil/api";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

const ago = (ms: number) => `${Math.max(0, Math.round((Date.now() - ms) / 1000))} s ago`;

/** What the server holds, until the console lands: hosts, their sensor mode, and how many events each sent. */
export default function Home() {
  const { hosts, events } = fleetSummary(vigil().store);
  return (
    <main>
      <h1>Vigil</h1>
      <p>
        {hosts.length} hosts, {events} events stored. Export them with <code>GET /api/v1/events</code> and an
        API token (<code>npm run -s vigil -- token create --role viewer</code>).
      </p>
      <table cellPadding={6}>
        <thead>
          <tr>
            <th align="left">host</th>
            <th align="left">sensor</th>
            <th align="left">kernel</th>
            <th align="right">events</th>
            <th align="left">last seen</th>
          </tr>
        </thead>
        <tbody>
          {hosts.map((h) => (
            <tr key={h.machineId}>
              <td>{h.name}</td>
              <td title={h.sensorReason ?? undefined}>{h.sensorMode ?? "unknown"}</td>
              <td>{h.kernel}</td>
              <td align="right">{h.events}</td>
              <td>{ago(h.lastSeenMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
