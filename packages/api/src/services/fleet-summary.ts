import { events, hosts, type Store } from "@vigil/db";
import { count, eq } from "drizzle-orm";

/** Hosts with their sensor mode and stored event counts, and the total. */
export function fleetSummary(store: Store) {
  const rows = store.db
    .select({
      machineId: hosts.machineId,
      name: hosts.name,
      kernel: hosts.kernel,
      sensorMode: hosts.sensorMode,
      sensorReason: hosts.sensorReason,
      lastSeenMs: hosts.lastSeenMs,
      events: count(events.seq),
    })
    .from(hosts)
    .leftJoin(events, eq(events.hostId, hosts.id))
    .groupBy(hosts.id)
    .orderBy(hosts.name)
    .all();
  return { hosts: rows, events: rows.reduce((sum, h) => sum + h.events, 0) };
}
